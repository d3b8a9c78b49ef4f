/// A Kubernetes REST path taken apart:
/// `/api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]` and
/// `/apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]`.
struct APIPath: Equatable {
    var group: String  // "" for the core group
    var version: String
    var namespace: String?
    var resource: String
    var name: String?
    var subresource: String?

    init?(_ path: String) {
        var segments = path.split(separator: "/", omittingEmptySubsequences: true).map { Self.percentDecode(String($0)) }
        guard let root = segments.first else { return nil }
        segments.removeFirst()
        switch root {
        case "api":
            guard segments.count >= 1 else { return nil }
            group = ""
            version = segments.removeFirst()
        case "apis":
            guard segments.count >= 2 else { return nil }
            group = segments.removeFirst()
            version = segments.removeFirst()
        default:
            return nil
        }
        if segments.count >= 3, segments[0] == "namespaces" {
            namespace = segments[1]
            segments.removeFirst(2)
        }
        guard !segments.isEmpty, segments.count <= 3 else { return nil }
        resource = segments[0]
        name = segments.count > 1 ? segments[1] : nil
        subresource = segments.count > 2 ? segments[2] : nil
    }

    init(group: String, version: String, namespace: String?, resource: String, name: String?) {
        self.group = group
        self.version = version
        self.namespace = namespace
        self.resource = resource
        self.name = name
        self.subresource = nil
    }

    var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The collection: `/api/v1/namespaces/ns/pods`.
    var collectionPath: String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if let namespace { path += "/namespaces/\(namespace)" }
        return path + "/\(resource)"
    }

    /// The object itself, without subresource.
    var objectPath: String? { name.map { "\(collectionPath)/\($0)" } }

    /// `pods` or `network-attachment-definitions.k8s.cni.cncf.io`, as Status messages name them.
    var qualifiedResource: String { group.isEmpty ? resource : "\(resource).\(group)" }

    static func percentDecode(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var out: [UInt8] = []
        var bytes = Array(text.utf8)[...]
        while let b = bytes.first {
            bytes.removeFirst()
            if b == UInt8(ascii: "%"), bytes.count >= 2,
               let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v)
                bytes.removeFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
