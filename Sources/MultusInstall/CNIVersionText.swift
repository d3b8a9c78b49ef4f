import CNISpec

/// CNI versions as written in configs ("0.3.1"), checked against what we speak.
enum CNIVersionText {
    static func parse(_ text: String) -> CNIVersion? {
        guard let version = CNIVersion(text), version.isSupported else { return nil }
        return version
    }
}
