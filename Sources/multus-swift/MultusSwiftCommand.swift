import CNISpec
import MultusDaemon
import MultusInstall
import SystemSupport

/// The CLI outside CNI mode. Hand-written rather than swift-argument-parser:
/// that library brings FoundationEssentials (about 1,200 protocol-conformance
/// records) into a binary whose every CNI call pays for each record, and the
/// faces that take flags parse them as Go's pflag does anyway.
enum MultusSwiftCommand {
    static let usage = """
        multus-swift: a Multus-compatible CNI meta-plugin.

        Run by a container runtime with CNI_COMMAND set, it attaches a pod to several
        networks. Without CNI_COMMAND:

          multus-swift version            print the version and the CNI versions spoken
          multus-swift install [flags]    the thin DaemonSet's entrypoint (thin_entrypoint);
                                          `multus-swift install --help` lists its flags
          multus-swift daemon [-config F] the thick-mode daemon (multus-daemon), with Go's
                                          daemon-config.json (default
                                          /etc/cni/net.d/multus.d/daemon-config.json)
          multus-swift help               this text

        Started under another name it is that program: multus (the thin plugin),
        passthru, thin_entrypoint, install_multus, multus-daemon, multus-shim (the thick
        mode's CNI plugin, which sends each request to the daemon).

        """

    static func main(program: String, arguments: [String], environment: ProcessEnvironment) -> Int32 {
        switch arguments.first {
        case "version", "--version":
            StandardStreams.output("multus-swift \(MultusSwiftVersion.current)\n"
                + "CNI versions: \(CNIVersion.supported.map(\.description).joined(separator: ", "))\n")
            return 0
        case "install":
            return ThinEntrypoint.main(program: "\(program) install", arguments: Array(arguments.dropFirst()),
                                       environment: environment.values)
        case "daemon":
            return MultusDaemon.main(arguments: Array(arguments.dropFirst()), environment: environment,
                                     version: MultusSwiftVersion.current)
        case nil, "help", "--help", "-h":
            StandardStreams.output(usage)
            return 0
        case let other?:
            StandardStreams.error("multus-swift: unknown command \"\(other)\"\n\n" + usage)
            return 2
        }
    }
}

enum MultusSwiftVersion {
    static let current = "0.2.0"
}
