import SystemSupport
import Testing
@testable import MultusInstall

@Suite("flags as Go's pflag parses them")
struct PFlagSetTests {
    func parsed(_ arguments: [String]) throws -> PFlagSet {
        var flags = ThinEntrypoint.flagSet()
        try flags.parse(arguments)
        return flags
    }

    @Test("--name=value and --name value; the last one wins; positional arguments are kept apart")
    func stringsBothSpellings() throws {
        let f = try parsed(["--cni-conf-dir", "/a", "stray", "--cni-conf-dir=/b", "--multus-log-level", "--verbose"])
        #expect(f.string("cni-conf-dir") == "/b")
        #expect(f.string("multus-log-level") == "--verbose", "a string flag takes the next argument whatever it looks like")
        #expect(f.positional == ["stray"])
        #expect(f.isGiven("cni-conf-dir") && !f.isGiven("cni-bin-dir"))
        #expect(f.string("cni-bin-dir") == "/host/opt/cni/bin")
    }

    @Test("booleans: --flag, --flag=<ParseBool>; `--flag false` is --flag and a positional \"false\"")
    func booleans() throws {
        #expect(try parsed(["--cleanup-config-on-exit"]).bool("cleanup-config-on-exit"))
        for text in ["1", "t", "T", "TRUE", "true", "True"] {
            #expect(try parsed(["--cleanup-config-on-exit=\(text)"]).bool("cleanup-config-on-exit"))
        }
        for text in ["0", "f", "F", "FALSE", "false", "False"] {
            #expect(try !parsed(["--multus-log-to-stderr=\(text)"]).bool("multus-log-to-stderr"))
        }
        let f = try parsed(["--cleanup-config-on-exit", "false"])
        #expect(f.bool("cleanup-config-on-exit"))
        #expect(f.positional == ["false"])
        #expect(try parsed([]).bool("multus-log-to-stderr"), "default true")
    }

    @Test("pflag's words for bad flags")
    func errorsInPflagWords() {
        func failure(_ arguments: [String], _ flags: PFlagSet = ThinEntrypoint.flagSet()) -> String? {
            var flags = flags
            do { try flags.parse(arguments) } catch { return error.description }
            return nil
        }
        #expect(failure(["--bogus"]) == "unknown flag: --bogus")
        #expect(failure(["-x"]) == "unknown shorthand flag: 'x' in -x")
        #expect(failure(["--cni-bin-dir"]) == "flag needs an argument: --cni-bin-dir")
        #expect(failure(["--namespace-isolation=maybe"])
                == #"invalid argument "maybe" for "--namespace-isolation" flag: strconv.ParseBool: parsing "maybe": invalid syntax"#)
        #expect(failure(["-t"], InstallMultus.flagSet()) == "flag needs an argument: 't' in -t")
        #expect(failure(["---x"]) == "bad flag syntax: ---x")
    }

    @Test("shorthands: -t thin, -tthin, -t=thin; -- ends the flags")
    func shorthands() throws {
        for arguments in [["-t", "thick"], ["-tthick"], ["-t=thick"], ["--type=thick"], ["--type", "thick"]] {
            var f = InstallMultus.flagSet()
            try f.parse(arguments + ["-d", "/x"])
            #expect(f.string("type") == "thick", "\(arguments)")
            #expect(f.string("dest-dir") == "/x")
        }
        var f = InstallMultus.flagSet()
        try f.parse(["--", "--type=thin"])
        #expect(f.string("type") == "")
        #expect(f.positional == ["--type=thin"])
    }

    @Test("--help lists exactly Go's thin_entrypoint flags, defaults and help texts (hidden ones hidden)")
    func thinEntrypointHelpIsGos() throws {
        let go = try #require(try FileSystem.read(packageRoot + "/Tests/Fixtures/GoMultus/thin_entrypoint-help.txt"))
        #expect(ThinEntrypoint.flagSet().usage == String(decoding: go, as: UTF8.self))
    }

    @Test("install_multus --help is Go's")
    func installMultusHelpIsGos() throws {
        let go = try #require(try FileSystem.read(packageRoot + "/Tests/Fixtures/GoMultus/install_multus-help.txt"))
        #expect(InstallMultus.flagSet().usage == String(decoding: go, as: UTF8.self))
    }

    @Test("the flags become Go's defaults: cleanup off, autoconfig dir and cniConf dir Go's, binary as multus")
    func defaultsAreGos() throws {
        let o = ThinEntrypoint.options(try parsed([]), environment: [:])
        #expect(!o.cleanupConfigOnExit)
        #expect(o.multusAutoconfigDir == "/host/etc/cni/net.d")
        #expect(o.multusCNIConfDir == "/host/etc/cni/multus/net.d")
        #expect(o.multusBinFile == nil)
        #expect(o.binarySource { $0 == "/usr/src/multus-cni/bin/multus" } == "/usr/src/multus-cni/bin/multus")
        #expect(o.binarySource { _ in false } == "/proc/self/exe", "outside the image: this executable")
        #expect(o.binaryName == "multus")
        #expect(o.serviceAccountDir == "/var/run/secrets/kubernetes.io/serviceaccount")
        #expect(o == {
            var expected = InstallOptions()
            expected.apiServer = nil
            return expected
        }())
        let given = ThinEntrypoint.options(try parsed(["--multus-bin-file=/b", "--cleanup-config-on-exit=true"]),
                                           environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"])
        #expect(given.multusBinFile == "/b")
        #expect(given.cleanupConfigOnExit)
        #expect(given.apiServer == "https://10.96.0.1:443")
    }
}
