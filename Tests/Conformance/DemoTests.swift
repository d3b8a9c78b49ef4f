import Foundation
import Testing

/// `make demo` is one of the two commands the README starts with: the script
/// runs with the built binary, shows what it promises and leaves nothing.
@Suite(.enabled(if: Harness.canRun && FileManager.default.isExecutableFile(atPath: "/usr/bin/jq"),
                "needs root, the reference plugins and jq"))
struct DemoTests {
    @Test func theDemoAttachesBothNetworksAndItsDelLeavesNothing() throws {
        let out = try Harness.run("/bin/bash", [Harness.packageRoot + "/scripts/demo.sh", Harness.binary],
                                  environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"])
        #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
        for line in ["CHECK ok", "DEL ok", "  (none)", "host-local reservations left: 0",
                     "{\"network\":\"default/macvlan-net\",\"ifName\":\"net1\",\"master\":false}"] {
            #expect(out.stdout.contains(line), "missing \(line) in:\n\(out.stdout)")
        }
        #expect(out.stdout.contains("k8s.v1.cni.cncf.io/network-status"))
        let netns = try Harness.run("/usr/sbin/ip", ["netns", "list"]).stdout
        #expect(!netns.split(separator: "\n").contains { $0.hasPrefix("msw-demo") }, "\(netns)")
    }
}
