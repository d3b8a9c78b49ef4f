import ArgumentParser

/// `multus-swift install` is listed here for `--help`; main.swift hands its
/// arguments to the thin entrypoint before this parser sees them, so that the
/// flags are parsed as Go's pflag parses them.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "The thin DaemonSet's entrypoint (the same as running this binary as thin_entrypoint).",
        discussion: """
            Copies the binary into the host's CNI bin directory as `multus` (temporary file + rename), \
            writes multus.d/multus.kubeconfig and multus.d/token from the pod's service account (the \
            kubeconfig names the token with users[].user.tokenFile, and the copy follows kubelet's \
            rotation), and writes 00-multus.conf (00-multus.conflist for cniVersion 1.0.0 and later) \
            around the node's primary CNI config, then follows the primary config every second. The \
            flags are Go Multus's thin_entrypoint flags: `multus-swift install --help` lists them.
            """)

    @Argument(parsing: .captureForPassthrough) var arguments: [String] = []
}
