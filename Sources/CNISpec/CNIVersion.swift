/// A CNI spec version such as 0.3.1. Ordered, so "at least 0.4.0" reads as it says.
package struct CNIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    package var major: Int
    package var minor: Int
    package var patch: Int

    package init(_ major: Int, _ minor: Int, _ patch: Int) {
        (self.major, self.minor, self.patch) = (major, minor, patch)
    }

    /// Parses "X.Y.Z"; "X.Y" and "X" are accepted with zeros filled in, as libcni does.
    package init?(_ text: String) {
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

    package var description: String { "\(major).\(minor).\(patch)" }

    package static func < (a: CNIVersion, b: CNIVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    package static let v0_1_0 = CNIVersion(0, 1, 0)
    package static let v0_2_0 = CNIVersion(0, 2, 0)
    package static let v0_3_0 = CNIVersion(0, 3, 0)
    package static let v0_3_1 = CNIVersion(0, 3, 1)
    package static let v0_4_0 = CNIVersion(0, 4, 0)
    package static let v1_0_0 = CNIVersion(1, 0, 0)
    package static let v1_1_0 = CNIVersion(1, 1, 0)

    /// Every version this implementation speaks, oldest first.
    package static let supported: [CNIVersion] = [.v0_1_0, .v0_2_0, .v0_3_0, .v0_3_1, .v0_4_0, .v1_0_0, .v1_1_0]
    package static let latest = CNIVersion.v1_1_0

    package var isSupported: Bool { Self.supported.contains(self) }

    /// Parses and checks a version named in a config; code 1 when we do not speak it.
    package static func parseSupported(_ text: String, field: String = "cniVersion") throws(CNIError) -> CNIVersion {
        guard let version = CNIVersion(text), version.isSupported else {
            throw CNIError(code: CNIError.incompatibleVersion,
                           msg: "unsupported \(field) \"\(text)\"",
                           details: "supported versions: \(supported.map(\.description).joined(separator: ", "))")
        }
        return version
    }

    /// The VERSION answer.
    package static var versionInfo: JSONValue {
        .object(JSONObject([
            ("cniVersion", .string(latest.description)),
            ("supportedVersions", .array(supported.map { .string($0.description) })),
        ]))
    }
}
