import CNISpec
import FuzzSupport
import KubeAPI
import YAML

// A kubeconfig comes from the node's disk (written by the installer or an
// admin) and holds tokens and keys. Any text must load or fail cleanly; and
// with a marker token planted into every user, neither the loaded config's
// description nor any error may show it.
// The path's folder does not exist, so relative file references resolve to
// nothing; absolute ones are read (stdin is /dev/null under `make fuzz`).
let path = "/nonexistent/multus-swift-fuzz/kubeconfig"
let marker = "XyZZy0Token0yZZyX"

fuzz { input in
    let text = String(decoding: input, as: UTF8.self)
    _ = try? Kubeconfig.parse(text, path: path)

    guard !text.contains("XyZZy"), case .object(var root)? = try? YAML.document(Array(text.utf8)),
          case .array(var users)? = root["users"] else { return }
    for (i, entry) in users.enumerated() {
        guard case .object(var named) = entry, case .object(var user)? = named["user"] else { continue }
        user["token"] = .string(marker)
        named["user"] = .object(user)
        users[i] = .object(named)
    }
    root["users"] = .array(users)
    let planted = YAML.emit(.object(root))
    do {
        let config = try Kubeconfig.parse(planted, path: path)
        check(!"\(config)".contains(marker) && !String(reflecting: config).contains(marker),
              "the token shows in \(config) (from \(planted.debugDescription))")
    } catch {
        check(!"\(error)".contains(marker), "the token shows in the error \(error) (from \(planted.debugDescription))")
    }
}
