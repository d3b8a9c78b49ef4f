import ArgumentParser
import CNISpec

/// The CLI outside CNI mode.
struct MultusSwiftCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multus-swift",
        abstract: "A Multus-compatible CNI meta-plugin.",
        discussion: "Run by a container runtime with CNI_COMMAND set, it attaches a pod to several networks. "
            + "Without CNI_COMMAND it offers the commands below.",
        subcommands: [Version.self, InstallCommand.self])

    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the version and the CNI versions spoken.")

        func run() {
            print("multus-swift \(MultusSwiftVersion.current)")
            print("CNI versions: \(CNIVersion.supported.map(\.description).joined(separator: ", "))")
        }
    }
}

enum MultusSwiftVersion {
    static let current = "0.1.0"
}
