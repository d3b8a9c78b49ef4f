import SystemSupport

/// `install_multus`: Go Multus's cmd/install_multus, the initContainer of both
/// DaemonSets. `--type thin` copies `multus`, `--type thick` copies
/// `multus-shim`, each then `passthru`, from the image's
/// /usr/src/multus-cni/bin into `--dest-dir`, atomically (temporary file,
/// flush, rename), with Go's flags, messages and exit statuses. Outside the
/// image (no such folder) the files are this executable, which serves every
/// one of those names.
package enum InstallMultus {
    package static func flagSet() -> PFlagSet {
        var f = PFlagSet()
        f.string("type", shorthand: "t", default: "", "specify installer type (thick/thin)")
        f.string("dest-dir", shorthand: "d", default: "/host/opt/cni/bin", "destination directory")
        f.bool("help", shorthand: "h", default: false, "show help message and quit")
        return f
    }

    /// The file the image holds for `name`, or this executable when it does not.
    package static func source(_ name: String, imageBinDir: String) -> String {
        let path = Paths.join(imageBinDir, name)
        return FileSystem.exists(path) ? path : BinaryInstaller.ownExecutable
    }

    /// `arguments` without the program name. Exit status 0 when both files are
    /// in place, 1 otherwise (and for help), 2 for a bad flag.
    package static func main(program: String, arguments: [String],
                             imageBinDir: String = InstallOptions.imageBinDir) -> Int32 {
        var flags = flagSet()
        if let status = flags.parseCommandLine(program: program, arguments) { return status }
        let multus: String
        switch flags.string("type") {
        case "thick": multus = "multus-shim"
        case "thin": multus = "multus"
        default:
            StandardStreams.error("--type is missing or --type has invalid value\n")
            return 1
        }
        let destination = flags.string("dest-dir")
        do {
            try BinaryInstaller.install(source: source(multus, imageBinDir: imageBinDir), directory: destination, name: multus)
        } catch {
            StandardStreams.error("failed to copy file \(multus): \(error)\n")
            return 1
        }
        StandardStreams.output("multus \(multus) copy succeeded!\n")
        let passthru = source("passthru", imageBinDir: imageBinDir)
        do {
            try BinaryInstaller.install(source: passthru, directory: destination, name: "passthru")
        } catch {
            // Go names the multus file here too.
            StandardStreams.error("failed to copy file \(multus): \(error)\n")
            return 1
        }
        StandardStreams.output("passthru cni \(Paths.join(imageBinDir, "passthru")) copy succeeded!\n")
        return 0
    }
}
