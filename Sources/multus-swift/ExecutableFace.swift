import SystemSupport

/// The names this one binary answers to, from argv[0]'s basename: the files
/// Go Multus's image and DaemonSets run, each a face of the same executable
/// (the image links every path to it; `install_multus` copies it under each
/// name the host needs).
enum ExecutableFace: Equatable {
    /// `/thin_entrypoint`: the thin DaemonSet's container (MultusInstall).
    case thinEntrypoint
    /// `/install_multus`: the DaemonSets' initContainer (MultusInstall).
    case installMultus
    /// `passthru`: the head of the auxiliary CNI chain.
    case passthru
    /// `multus`: the thin CNI plugin under Go's name, the `type` of the
    /// generated 00-multus.conf; the same as `multus-swift`.
    case multus
    /// Thick mode (MultusDaemon): the node daemon, and the CNI plugin that
    /// forwards each request to it over its unix socket.
    case multusDaemon, multusShim
    /// `multus-swift` and any other name: the CNI plugin when CNI_COMMAND is set, else the CLI.
    case multusSwift

    init(invokedAs path: String) {
        self = switch Paths.baseName(of: path) {
        case "thin_entrypoint": .thinEntrypoint
        case "install_multus": .installMultus
        case "passthru": .passthru
        case "multus": .multus
        case "multus-daemon": .multusDaemon
        case "multus-shim": .multusShim
        default: .multusSwift
        }
    }
}
