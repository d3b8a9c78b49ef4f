import CNISpec
import KubeAPI
import TestSupport
import Testing
@testable import MultusCore

/// The I/O half of planning: files in a temp folder and an in-memory cluster.
@Suite struct FetcherTests {
    func fixture(confFiles: [String: String] = [:], extraConfig: String = "", cluster: InMemoryCluster? = nil) throws -> CommandFixture {
        try CommandFixture(confFiles: confFiles, extraConfig: extraConfig, delegates: [conf("cluster", type: "bridge")],
                           cluster: cluster)
    }

    func inputs(_ f: CommandFixture, pod: Pod? = nil) throws -> PlanInputs {
        let invocation = try f.invocation(.add)
        let request = try NetworkRequest(config: f.config, podNamespace: "default", pod: pod)
        return try Fetcher(invocation: invocation).inputs(for: request, pod: pod)
    }

    @Test func aNameIsTheFirstConfigFileInConfDirOfThatName() throws {
        var f = try fixture(confFiles: ["10-a.conf": conf("other", type: "x"), "20-b.conf": conf("wanted", type: "first"),
                                        "30-c.conflist": #"{"cniVersion":"1.0.0","name":"wanted","plugins":[{"type":"second"}]}"#])
        defer { f.remove() }
        f.config.clusterNetwork = "wanted"
        guard case .file(let file, _) = try inputs(f).master else { Issue.record("not a file"); return }
        #expect(file.path.hasSuffix("20-b.conf"))
    }

    /// Go's GetCNIConfigFromFile: a file that does not load fails the lookup.
    @Test func anUnparsableFileOnTheWayFailsTheLookupNamingIt() throws {
        var f = try fixture(confFiles: ["10-broken.conf": "{not json", "20-b.conf": conf("wanted", type: "x")])
        defer { f.remove() }
        f.config.clusterNetwork = "wanted"
        let error = #expect(throws: CNIError.self) { try inputs(f) }
        #expect(error?.msg.contains("10-broken.conf") == true)
    }

    @Test func aNameMissingEverywhereIsInvalidConfigNamingTheField() throws {
        var f = try fixture()
        defer { f.remove() }
        f.config.clusterNetwork = "nowhere"
        let error = #expect(throws: CNIError.self) { try inputs(f) }
        #expect(error?.code == CNIError.invalidNetworkConfig && error?.msg.contains("clusterNetwork") == true)
    }

    @Test func aFolderPathIsItsFirstConfigFile() throws {
        var f = try fixture(confFiles: ["b.conf": conf("b", type: "x"), "a.conflist": #"{"cniVersion":"1.0.0","name":"a","plugins":[{"type":"y"}]}"#])
        defer { f.remove() }
        f.config.clusterNetwork = f.dir.file("conf")
        guard case .file(let file, _) = try inputs(f).master else { Issue.record("not a file"); return }
        #expect(file.path.hasSuffix("a.conflist"))
    }

    /// libcni v1.3: a conflist read from disk gets `<folder>/<name>/*.conf` appended, unless loadOnlyInlinedPlugins.
    @Test func aConflistFromDiskLoadsItsSubdirectoryPlugins() throws {
        var f = try fixture(confFiles: ["10-net.conflist": #"{"cniVersion":"1.0.0","name":"net","plugins":[{"type":"bridge"}]}"#,
                                        "net/20-tuning.conf": #"{"type":"tuning"}"#, "net/10-portmap.conf": #"{"type":"portmap"}"#,
                                        "net/notes.txt": "ignored",
                                        "20-inline.conflist": #"{"cniVersion":"1.0.0","name":"inline","loadOnlyInlinedPlugins":true,"plugins":[{"type":"bridge"}]}"#,
                                        "inline/10-x.conf": #"{"type":"tuning"}"#])
        defer { f.remove() }
        f.config.clusterNetwork = f.dir.file("conf/10-net.conflist")
        f.config.defaultNetworks = [f.dir.file("conf/20-inline.conflist")]
        let planned = try Planner(config: f.config, env: try f.invocation(.add).env).attachments(try inputs(f))
        #expect(planned[0].network.plugins.map(\.type) == ["bridge", "portmap", "tuning"])
        #expect(planned[1].network.plugins.map(\.type) == ["bridge"])
    }

    @Test func allNADsOfAPodAreReadInOneBatch() throws {
        let cluster = InMemoryCluster()
        let pod = cluster.addPod("web-0", annotations: ["k8s.v1.cni.cncf.io/networks": "a,b,a@other0"])
        cluster.addNAD("a", config: conf("a", type: "macvlan"))
        cluster.addNAD("b", config: conf("b", type: "macvlan"))
        let f = try fixture(cluster: cluster)
        defer { f.remove() }
        let fetched = try inputs(f, pod: pod)
        #expect(fetched.selected.count == 3)
        #expect(cluster.snapshot.reads == ["nad default/a", "nad default/b"])
    }

    @Test func aMissingNADFailsWithMultusMessageAndANoNetworkFoundEvent() throws {
        let cluster = InMemoryCluster()
        let pod = cluster.addPod("web-0", annotations: ["k8s.v1.cni.cncf.io/networks": "missing"])
        let f = try fixture(cluster: cluster)
        defer { f.remove() }
        let error = #expect(throws: CNIError.self) { try inputs(f, pod: pod) }
        #expect(error?.msg == "cannot find a network-attachment-definition (missing) in namespace (default)")
        guard case .event(let event)? = cluster.snapshot.writes.last else { Issue.record("no event"); return }
        #expect(event.reason == "NoNetworkFound" && event.type == "Warning")
    }

    @Test func aNADWithoutConfigIsTheConfDirNetworkOfItsName() throws {
        let cluster = InMemoryCluster()
        let pod = cluster.addPod("web-0", annotations: ["k8s.v1.cni.cncf.io/networks": "fromfile"])
        cluster.addNAD("fromfile", config: "")
        let f = try fixture(confFiles: ["10-x.conf": conf("fromfile", type: "macvlan")], cluster: cluster)
        defer { f.remove() }
        let planned = try Planner(config: f.config, env: try f.invocation(.add).env).attachments(try inputs(f, pod: pod))
        #expect(planned[1].statusName == "default/fromfile" && planned[1].network.plugins.map(\.type) == ["macvlan"])
    }

    @Test func aConfiguredNameIsTheNADInTheMultusNamespaceBeforeConfDir() throws {
        let cluster = InMemoryCluster()
        cluster.addNAD("shared", namespace: "kube-system", config: conf("shared", type: "fromnad"))
        var f = try fixture(confFiles: ["10.conf": conf("shared", type: "fromfile")], cluster: cluster)
        defer { f.remove() }
        f.config.clusterNetwork = "shared"
        let planned = try Planner(config: f.config, env: try f.invocation(.add).env).attachments(try inputs(f))
        #expect(planned[0].network.plugins.map(\.type) == ["fromnad"] && planned[0].statusName == "kube-system/shared")
    }

    @Test func anAuxiliaryChainNeedsClusterNetworkToBeAPath() throws {
        var f = try fixture(confFiles: ["10.conf": conf("by-name", type: "bridge")], extraConfig: #""auxiliaryCNIChainName":"aux","#)
        defer { f.remove() }
        f.config.clusterNetwork = "by-name"
        let error = #expect(throws: CNIError.self) { try inputs(f) }
        #expect(error?.msg == "auxiliary chain used but ClusterNetwork must be a path, and it is not a path: by-name")
    }

    @Test func anAuxiliaryChainTakesThePluginsOfItsSubdirectory() throws {
        var f = try fixture(confFiles: ["10.conf": conf("cluster", type: "bridge"), "aux/10-tuning.conf": #"{"type":"tuning"}"#],
                            extraConfig: #""auxiliaryCNIChainName":"aux","#)
        defer { f.remove() }
        f.config.clusterNetwork = f.dir.file("conf/10.conf")
        #expect(try inputs(f).auxiliaryPlugins == [["type": "tuning"]])
    }

    @Test func podUIDMismatchFailsAddButNotAStaticPodOrADel() throws {
        let cluster = InMemoryCluster()
        cluster.addPod("web-0", uid: "another")
        let f = try fixture(cluster: cluster)
        defer { f.remove() }
        let fetcher = Fetcher(invocation: try f.invocation(.add))
        let error = #expect(throws: CNIError.self) { try fetcher.lookupPod(forDelete: false) }
        #expect(error?.msg.contains("expected pod UID \"uid-1\" but got \"another\"") == true)
        #expect(try fetcher.lookupPod(forDelete: true) == .notFound(ObjectKey(namespace: "default", name: "web-0")))
        cluster.addPod("web-0", uid: "another", annotations: ["kubernetes.io/config.source": "file"])
        guard case .found = try fetcher.lookupPod(forDelete: false) else { Issue.record("static pod refused"); return }
    }
}
