/// A CNI spec version such as 0.3.1. Ordered, so "at least 0.4.0" reads as it says.
public struct CNIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(_ major: Int, _ minor: Int, _ patch: Int) {
        (self.major, self.minor, self.patch) = (major, minor, patch)
    }

    /// Parses "X.Y.Z"; "X.Y" and "X" are accepted with zeros filled in, as libcni does.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count) else { return nil }
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber), let n = Int(part) else { return nil }
            numbers.append(n)
        }
        while numbers.count < 3 { numbers.append(0) }
        self.init(numbers[0], numbers[1], numbers[2])
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    public static func < (a: CNIVersion, b: CNIVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public static let v0_1_0 = CNIVersion(0, 1, 0)
    public static let v0_2_0 = CNIVersion(0, 2, 0)
    public static let v0_3_0 = CNIVersion(0, 3, 0)
    public static let v0_3_1 = CNIVersion(0, 3, 1)
    public static let v0_4_0 = CNIVersion(0, 4, 0)
    public static let v1_0_0 = CNIVersion(1, 0, 0)
    public static let v1_1_0 = CNIVersion(1, 1, 0)

    /// Every version this implementation speaks, oldest first.
    public static let supported: [CNIVersion] = [.v0_1_0, .v0_2_0, .v0_3_0, .v0_3_1, .v0_4_0, .v1_0_0, .v1_1_0]
    public static let latest = CNIVersion.v1_1_0

    public var isSupported: Bool { Self.supported.contains(self) }

    /// Parses and checks a version named in a config; code 1 when we do not speak it.
    public static func parseSupported(_ text: String, field: String = "cniVersion") throws(CNIError) -> CNIVersion {
        guard let version = CNIVersion(text), version.isSupported else {
            throw CNIError(code: CNIError.incompatibleVersion,
                           msg: "unsupported \(field) \"\(text)\"",
                           details: "supported versions: \(supported.map(\.description).joined(separator: ", "))")
        }
        return version
    }

    /// The VERSION answer.
    public static var versionInfo: JSONValue {
        .object(JSONObject([
            ("cniVersion", .string(latest.description)),
            ("supportedVersions", .array(supported.map { .string($0.description) })),
        ]))
    }
}
