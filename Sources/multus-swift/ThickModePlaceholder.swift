import CNISpec
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// `multus-daemon` and `multus-shim` exist in the image (so Go's thick
/// DaemonSet finds its paths) but thick mode is not built yet: say so plainly,
/// as a CNI error when a runtime calls the shim. The daemon target replaces this.
enum ThickModePlaceholder {
    static func main(name: String, environment: ProcessEnvironment) -> Int32 {
        let message = "\(name): thick mode (multus-daemon, multus-shim) is not available in multus-swift yet; "
            + "use the thin DaemonSet (/thin_entrypoint, type multus)"
        if environment["CNI_COMMAND"] != nil {
            let error = CNIError(code: CNIError.multusInternal, msg: message)
            StandardStreams.output(error.json(cniVersion: CNIVersion.latest.description).serialized + "\n")
        } else {
            StandardStreams.error(message + "\n")
        }
        return 1
    }
}
