import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// `thin_entrypoint` (and `multus-swift install`): Go Multus's cmd/thin_entrypoint,
/// the container of the thin DaemonSet. Every flag of Go's, with its pflag
/// spelling, default and help text; `-h`/`--help` prints the flags and exits 1,
/// a bad flag prints them and the reason and exits 2, as Go.
package enum ThinEntrypoint {
    /// Go's flags, names, defaults and help texts (cmd/thin_entrypoint/main.go, addFlags).
    package static func flagSet() -> PFlagSet {
        let d = InstallOptions()
        var f = PFlagSet()
        f.string("cni-bin-dir", default: d.cniBinDir, "CNI binary directory")
        f.string("cni-conf-dir", default: d.cniConfDir, "CNI config directory")
        f.string("cni-version", default: "", "CNI version for multus CNI config (e.g. '0.3.1')")
        f.string("multus-conf-file", default: d.multusConfFile, "multus CNI config file")
        f.string("multus-bin-file", default: Paths.join(InstallOptions.imageBinDir, "multus"), "multus binary file path")
        f.string("multus-cni-conf-dir", default: d.multusCNIConfDir, "multus specific CNI config directory")
        f.bool("skip-multus-binary-copy", default: false, "skip multus binary file copy")
        f.string("multus-kubeconfig-file-host", default: d.multusKubeconfigFileHost,
                 "kubeconfig for multus (used only with --multus-conf-file=auto)")
        f.string("multus-master-cni-file-name", default: "", "master CNI file in multus-autoconfig-dir")
        f.bool("namespace-isolation", default: false, "namespace isolation")
        f.string("global-namespaces", default: "",
                 "global namespaces, comma separated (used only with --namespace-isolation=true)")
        f.string("multus-autoconfig-dir", default: d.multusAutoconfigDir,
                 "multus autoconfig dir (used only with --multus-conf-file=auto)")
        f.bool("multus-log-to-stderr", default: true, "log to stderr")
        f.string("multus-log-level", default: "", "multus log level")
        f.string("multus-log-file", default: "", "multus log file")
        f.bool("override-network-name", default: false,
               "override network name from master cni file (used only with --multus-conf-file=auto)")
        f.bool("cleanup-config-on-exit", default: false, "cleanup config file on exit")
        f.bool("skip-config-watch", default: false,
               "dont watch for config (master cni and kubeconfig) changes (used only with --multus-conf-file=auto)")
        f.bool("rename-conf-file", default: false,
               "rename master config file to invalidate (used only with --multus-conf-file=auto)")
        f.string("readiness-indicator-file", default: "", "readiness indicator file (used only with --multus-conf-file=auto)")
        f.string("additional-bin-dir", default: "",
                 "adds binDir option to configuration (used only with --multus-conf-file=auto)")
        f.bool("skip-tls-verify", default: false, "skip TLS verify", hidden: true)
        f.bool("force-cni-version", default: false, "force cni version to '--cni-version' (only for e2e-kind testing)",
               hidden: true)
        // Ours: Go reads the service account from this fixed folder.
        f.string("service-account-dir", default: d.serviceAccountDir,
                 "where the pod's service account token and ca.crt are mounted", hidden: true)
        f.bool("help", shorthand: "h", default: false, "show help message and quit")
        return f
    }

    /// The options the flags say; the API server comes from the pod's environment.
    package static func options(_ f: PFlagSet, environment: [String: String]) -> InstallOptions {
        func optional(_ name: String) -> String? { f.string(name).isEmpty ? nil : f.string(name) }
        var o = InstallOptions()
        o.cniBinDir = f.string("cni-bin-dir")
        o.cniConfDir = f.string("cni-conf-dir")
        o.cniVersion = optional("cni-version")
        o.multusConfFile = f.string("multus-conf-file")
        o.multusBinFile = f.isGiven("multus-bin-file") ? f.string("multus-bin-file") : nil
        o.multusCNIConfDir = f.string("multus-cni-conf-dir")
        o.skipMultusBinaryCopy = f.bool("skip-multus-binary-copy")
        o.multusKubeconfigFileHost = f.string("multus-kubeconfig-file-host")
        o.multusMasterCNIFileName = optional("multus-master-cni-file-name")
        o.namespaceIsolation = f.bool("namespace-isolation")
        o.globalNamespaces = optional("global-namespaces")
        o.multusAutoconfigDir = f.string("multus-autoconfig-dir")
        o.logToStderr = f.bool("multus-log-to-stderr")
        o.logLevel = optional("multus-log-level")
        o.logFile = optional("multus-log-file")
        o.overrideNetworkName = f.bool("override-network-name")
        o.cleanupConfigOnExit = f.bool("cleanup-config-on-exit")
        o.skipConfigWatch = f.bool("skip-config-watch")
        o.renameConfFile = f.bool("rename-conf-file")
        o.readinessIndicatorFile = optional("readiness-indicator-file")
        o.additionalBinDir = optional("additional-bin-dir")
        o.skipTLSVerify = f.bool("skip-tls-verify")
        o.forceCNIVersion = f.bool("force-cni-version")
        o.serviceAccountDir = f.string("service-account-dir")
        o.apiServer = InstallOptions.apiServer(environment: environment)
        return o
    }

    /// `arguments` without the program name; `program` is how usage names it.
    /// Returns the exit status: 0 after a stop by signal, 1 when the install
    /// cannot start (Go exits 0 there), 1 for help, 2 for a bad flag.
    package static func main(program: String, arguments: [String], environment: [String: String]) -> Int32 {
        var flags = flagSet()
        if let status = flags.parseCommandLine(program: program, arguments) { return status }
        InstallSignals.install()
        do throws(InstallError) {
            try Installer(options: options(flags, environment: environment)).run(until: InstallSignals.stop)
            return 0
        } catch {
            return 1
        }
    }
}
