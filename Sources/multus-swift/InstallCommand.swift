import ArgumentParser
import MultusInstall
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// `multus-swift install`: the DaemonSet's thin entrypoint. Flags keep the names
/// of Multus's thin_entrypoint, so an existing `args:` list works unchanged.
/// Boolean flags take `--flag`, `--flag=true` and `--flag=false` as pflag does.
struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install multus-swift on this node and keep its configuration current (the DaemonSet entrypoint).",
        discussion: """
            Copies the binary into the host's CNI bin directory (temporary file + rename, so a runtime \
            never runs half a file), writes multus.d/multus.kubeconfig and multus.d/token from the pod's \
            service account (the kubeconfig names the token with users[].user.tokenFile, and the token \
            copy is rewritten whenever kubelet rotates it), and writes 00-multus.conf (00-multus.conflist \
            for cniVersion 1.0.0 and later) around the node's primary CNI config. Then it polls every \
            second: a changed primary regenerates the config, a changed token or CA rewrites the token \
            or kubeconfig. On SIGTERM or SIGINT it removes the config, kubeconfig and token it wrote \
            (never the binary) unless --cleanup-config-on-exit=false.
            """)

    @Option(name: .customLong("cni-bin-dir"), help: "The host's CNI binary directory, as mounted in this container.")
    var cniBinDir = "/host/opt/cni/bin"

    @Option(name: .customLong("multus-bin-file"),
            help: ArgumentHelp("The binary to copy (default: this executable).", valueName: "file"))
    var multusBinFile: String?

    @Option(name: .customLong("skip-multus-binary-copy"), defaultAsFlag: PFlagBool(true), parsing: .next,
            help: ArgumentHelp("Do not copy the binary. (default: false)", valueName: "bool"))
    var skipMultusBinaryCopy: PFlagBool?

    @Option(name: .customLong("cni-conf-dir"), help: "The host's CNI config directory, as mounted in this container.")
    var cniConfDir = "/host/etc/cni/net.d"

    @Option(name: .customLong("multus-conf-file"),
            help: "\"auto\" to generate 00-multus.conf(list) around the primary config, or a config file to copy into --cni-conf-dir.")
    var multusConfFile = "auto"

    @Option(name: .customLong("multus-autoconfig-dir"),
            help: ArgumentHelp("Where the primary config is looked for (default: --cni-conf-dir).", valueName: "dir"))
    var multusAutoconfigDir: String?

    @Option(name: .customLong("multus-master-cni-file-name"),
            help: ArgumentHelp("Use this file in --multus-autoconfig-dir as the primary instead of the first .conf/.conflist by name.",
                               valueName: "name"))
    var multusMasterCNIFileName: String?

    @Option(name: .customLong("multus-kubeconfig-file-host"),
            help: "The kubeconfig path as the host sees it, written into the config; the token copy is its sibling 'token'.")
    var multusKubeconfigFileHost = "/etc/cni/net.d/multus.d/multus.kubeconfig"

    @Option(name: .customLong("multus-cni-conf-dir"),
            help: ArgumentHelp("\"confDir\" of the generated config, a host path (default: the plugin's /etc/cni/multus/net.d).",
                               valueName: "dir"))
    var multusCNIConfDir: String?

    @Option(name: .customLong("cni-version"),
            help: ArgumentHelp("Require the primary config to have this cniVersion.", valueName: "version"))
    var cniVersion: String?

    @Option(name: .customLong("force-cni-version"), defaultAsFlag: PFlagBool(true), parsing: .next,
            help: ArgumentHelp("Use --cni-version whatever the primary says (testing only).", valueName: "bool", visibility: .hidden))
    var forceCNIVersion: PFlagBool?

    @Option(name: .customLong("override-network-name"), defaultAsFlag: PFlagBool(true), parsing: .next,
            help: ArgumentHelp("Name the multus network after the primary instead of \"multus-cni-network\". (default: false)",
                               valueName: "bool"))
    var overrideNetworkName: PFlagBool?

    @Option(name: .customLong("multus-log-level"),
            help: ArgumentHelp("\"logLevel\" of the generated config: debug, verbose, error or panic.", valueName: "level"))
    var multusLogLevel: String?

    @Option(name: .customLong("multus-log-file"),
            help: ArgumentHelp("\"logFile\" of the generated config (a host path).", valueName: "file"))
    var multusLogFile: String?

    @Option(name: .customLong("multus-log-to-stderr"), defaultAsFlag: PFlagBool(true), parsing: .next,
            help: ArgumentHelp("\"logToStderr\" of the generated config. (default: true)", valueName: "bool"))
    var multusLogToStderr: PFlagBool?

    @Option(name: .customLong("namespace-isolation"), defaultAsFlag: PFlagBool(true), parsing: .next,
            help: ArgumentHelp("\"namespaceIsolation\" of the generated config. (default: false)", valueName: "bool"))
    var namespaceIsolation: PFlagBool?

    @Option(name: .customLong("global-namespaces"),
            help: ArgumentHelp("\"globalNamespaces\" of the generated config, comma separated.", valueName: "namespaces"))
    var globalNamespaces: String?

    @Option(name: .customLong("readiness-indicator-file"),
            help: ArgumentHelp("\"readinessindicatorfile\" of the generated config (a host path).", valueName: "file"))
    var readinessIndicatorFile: String?

    @Option(name: .customLong("additional-bin-dir"),
            help: ArgumentHelp("\"binDir\" of the generated config (a host path).", valueName: "dir"))
    var additionalBinDir: String?

    @Option(name: .customLong("skip-config-watch"), defaultAsFlag: PFlagBool(true), parsing: .next,
            help: ArgumentHelp("Write the config once and do not follow the primary; the token and CA are still kept current. (default: false)",
                               valueName: "bool"))
    var skipConfigWatch: PFlagBool?

    @Option(name: .customLong("cleanup-config-on-exit"), defaultAsFlag: PFlagBool(true), parsing: .next,
            help: ArgumentHelp("On SIGTERM/SIGINT remove the config, kubeconfig and token written here. (default: true)",
                               valueName: "bool"))
    var cleanupConfigOnExit: PFlagBool?

    @Option(name: .customLong("rename-conf-file"), defaultAsFlag: PFlagBool(true), parsing: .next,
            help: ArgumentHelp("Move the primary config to <name>.old once wrapped (put back on cleanup). (default: false)",
                               valueName: "bool"))
    var renameConfFile: PFlagBool?

    @Option(name: .customLong("skip-tls-verify"), defaultAsFlag: PFlagBool(true), parsing: .next,
            help: ArgumentHelp("Write insecure-skip-tls-verify into the kubeconfig instead of the CA. (default: false)",
                               valueName: "bool"))
    var skipTLSVerify: PFlagBool?

    @Option(name: .customLong("service-account-dir"),
            help: "Where the pod's service account token and ca.crt are mounted.")
    var serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

    var options: InstallOptions {
        var o = InstallOptions()
        o.cniBinDir = cniBinDir
        o.multusBinFile = multusBinFile
        o.skipMultusBinaryCopy = skipMultusBinaryCopy?.value ?? false
        o.cniConfDir = cniConfDir
        o.multusConfFile = multusConfFile
        o.multusAutoconfigDir = multusAutoconfigDir
        o.multusMasterCNIFileName = multusMasterCNIFileName.flatMap { $0.isEmpty ? nil : $0 }
        o.multusKubeconfigFileHost = multusKubeconfigFileHost
        o.multusCNIConfDir = multusCNIConfDir
        o.cniVersion = cniVersion
        o.forceCNIVersion = forceCNIVersion?.value ?? false
        o.overrideNetworkName = overrideNetworkName?.value ?? false
        o.logLevel = multusLogLevel
        o.logFile = multusLogFile
        o.logToStderr = multusLogToStderr?.value ?? true
        o.namespaceIsolation = namespaceIsolation?.value ?? false
        o.globalNamespaces = globalNamespaces
        o.readinessIndicatorFile = readinessIndicatorFile
        o.additionalBinDir = additionalBinDir
        o.skipConfigWatch = skipConfigWatch?.value ?? false
        o.cleanupConfigOnExit = cleanupConfigOnExit?.value ?? true
        o.renameConfFile = renameConfFile?.value ?? false
        o.skipTLSVerify = skipTLSVerify?.value ?? false
        o.serviceAccountDir = serviceAccountDir
        o.apiServer = InstallOptions.apiServer(environment: ProcessEnvironment.current().values)
        return o
    }

    func validate() throws {
        do { try options.validate() } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        InstallSignals.install()
        do {
            try Installer(options: options).run(until: InstallSignals.stop)
        } catch {
            throw ExitCode(1)
        }
    }
}

/// SIGTERM (kubelet stopping the pod) and SIGINT set the stop flag; the watch
/// loop sees it within 50 ms, cleans up and returns.
enum InstallSignals {
    static let stop = StopFlag()

    static func install() {
        _ = stop.isStopped  // initialise the global before any handler can touch it
        signal(SIGTERM) { _ in InstallSignals.stop.stop() }
        signal(SIGINT) { _ in InstallSignals.stop.stop() }
        // A blocked mask survives exec: a parent that had these blocked (a thread
        // pool, some init shims) would otherwise leave SIGTERM pending forever.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}

/// A boolean as pflag reads it: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False.
struct PFlagBool: ExpressibleByArgument, CustomStringConvertible, Sendable {
    var value: Bool

    init(_ value: Bool) { self.value = value }

    init?(argument: String) {
        switch argument {
        case "1", "t", "T", "TRUE", "true", "True": value = true
        case "0", "f", "F", "FALSE", "false", "False": value = false
        default: return nil
        }
    }

    var description: String { value ? "true" : "false" }
}
