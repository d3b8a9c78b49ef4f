import Testing
@testable import CNISpec

@Suite struct CNIResultTests {
    /// Converts `text` (a result, cniVersion defaulting to `from`) to `to`, compact.
    private func convert(_ text: String, from: CNIVersion = .v1_0_0, to: CNIVersion) throws -> String {
        try CNIResult.convert(JSONValue(parsing: text), from: from, to: to).serialized
    }

    private func decodingError(_ text: String, version: CNIVersion = .v1_1_0) throws -> CNIError? {
        let json = try JSONValue(parsing: text)
        do {
            _ = try CNIResult(json: json, defaultVersion: version)
            return nil
        } catch {
            return error
        }
    }

    private static let result110 = #"""
        {"cniVersion":"1.1.0",
         "interfaces":[{"name":"eth0","mac":"0a:58:0a:01:02:03","mtu":1400,"sandbox":"/var/run/netns/p",
                        "socketPath":"/run/vhost.sock","pciID":"0000:3b:00.2"}],
         "ips":[{"interface":0,"address":"10.1.2.3/24","gateway":"10.1.2.1"},
                {"interface":0,"address":"fd00::3/64"}],
         "routes":[{"dst":"0.0.0.0/0","gw":"10.1.2.1","mtu":1300,"advmss":1200,"priority":5,"table":100,"scope":0}],
         "dns":{"nameservers":["10.96.0.10"],"search":["svc.cluster.local"]}}
        """#

    // MARK: reading

    @Test func resultWithoutCNIVersionTakesTheDefault() throws {
        let result = try CNIResult(json: JSONValue(parsing: #"{"ips":[{"address":"10.0.0.2/24"}]}"#), defaultVersion: .v0_4_0)
        #expect(result.cniVersion == .v0_4_0)
        #expect(result.ips == [.init(address: "10.0.0.2/24")])
        #expect(try result.json(as: result.cniVersion).serialized
            == #"{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.0.0.2/24"}]}"#)
    }

    @Test func resultWithoutCNIVersionIsReadInTheDefaultVersionsShape() throws {
        let old = #"{"ip4":{"ip":"10.0.0.2/24","gateway":"10.0.0.1"}}"#
        let asOld = try CNIResult(json: JSONValue(parsing: old), defaultVersion: .v0_2_0)
        #expect(asOld.cniVersion == .v0_2_0)
        #expect(asOld.ips == [.init(address: "10.0.0.2/24", gateway: "10.0.0.1")])
        // The same bytes under a 1.0.0 config have no `ips`.
        #expect(try CNIResult(json: JSONValue(parsing: old), defaultVersion: .v1_0_0).ips.isEmpty)
    }

    @Test func emptyOrNonStringCNIVersionTakesTheDefaultAsLibcniDoes() throws {
        for text in [#"{"cniVersion":""}"#, #"{"cniVersion":null}"#, #"{"cniVersion":1}"#] {
            #expect(try CNIResult(json: JSONValue(parsing: text), defaultVersion: .v0_3_1).cniVersion == .v0_3_1)
        }
    }

    @Test func resultCNIVersionWinsOverTheDefault() throws {
        let result = try CNIResult(json: JSONValue(parsing: #"{"cniVersion":"0.3.1"}"#), defaultVersion: .v1_0_0)
        #expect(result.cniVersion == .v0_3_1)
    }

    @Test(arguments: ["0.5.0", "2.0.0", "1.2.0", "banana"])
    func unsupportedResultVersionIsCode1(version: String) throws {
        let error = try decodingError(#"{"cniVersion":"\#(version)"}"#)
        #expect(error?.code == CNIError.incompatibleVersion)
        #expect(error?.msg.contains(version) == true)
    }

    @Test func unsupportedDefaultVersionIsCode1() throws {
        let error = try decodingError("{}", version: CNIVersion(0, 9, 0))
        #expect(error?.code == CNIError.incompatibleVersion)
    }

    @Test func resultThatIsNotAnObjectIsCode6() throws {
        let error = try decodingError("[1]")
        #expect(error?.code == CNIError.decodingFailure)
        #expect(error?.msg.contains("an array") == true)
    }

    @Test func resultBytesThatAreNotJSONAreCode6() {
        let error = #expect(throws: CNIError.self) {
            try CNIResult(parsing: Array(#"{"ips":"#.utf8), defaultVersion: .v1_0_0)
        }
        #expect(error?.code == CNIError.decodingFailure)
        #expect(error?.msg.contains("byte 7") == true)
    }

    @Test(arguments: [
        (#"{"ips":[{"address":5}]}"#, "ips[0].address must be a string, not a number"),
        (#"{"ips":[{"address":"10.0.0.1/24"},{"address":"10.0.0.300/24"}]}"#, #"ips[1].address "10.0.0.300/24""#),
        (#"{"ips":[{"address":"10.0.0.1"}]}"#, "ips[0].address"),
        (#"{"ips":[{"gateway":"10.0.0.1"}]}"#, "ips[0].address is missing"),
        (#"{"ips":[{"address":"10.0.0.1/33"}]}"#, "ips[0].address"),
        (#"{"ips":[{"address":"fd00::1/64","gateway":"fd00::g"}]}"#, "ips[0].gateway"),
        (#"{"ips":[{"address":"10.0.0.1/24","interface":"0"}]}"#, "ips[0].interface must be an integer, not a string"),
        (#"{"ips":[{"address":"10.0.0.1/24","interface":1.5}]}"#, "ips[0].interface must be an integer, not 1.5"),
        (#"{"ips":{}}"#, "ips must be an array, not an object"),
        (#"{"ips":[7]}"#, "ips[0] must be an object, not a number"),
        (#"{"interfaces":[{"name":"eth0"},{"name":"net1","mtu":"1500"}]}"#, "interfaces[1].mtu must be an integer"),
        (#"{"interfaces":[{"name":["eth0"]}]}"#, "interfaces[0].name must be a string, not an array"),
        (#"{"routes":[{"dst":"default"}]}"#, #"routes[0].dst "default""#),
        (#"{"routes":[{"dst":"0.0.0.0/0","table":true}]}"#, "routes[0].table must be an integer, not a boolean"),
        (#"{"dns":{"nameservers":"10.0.0.10"}}"#, "dns.nameservers must be an array of strings, not a string"),
        (#"{"dns":{"search":["a",1]}}"#, "dns.search[1] must be a string, not a number"),
        (#"{"dns":[]}"#, "dns must be an object, not an array"),
        (#"{"cniVersion":"0.2.0","ip4":{"ip":"10.0.0.2/24","gateway":"x"}}"#, #"ip4.gateway "x" is not an IP address"#),
        (#"{"cniVersion":"0.2.0","ip6":{"ip":"fd00::2/64","routes":[{"dst":1}]}}"#, "ip6.routes[0].dst must be a string"),
        (#"{"cniVersion":"0.2.0","ip4":"10.0.0.2/24"}"#, "ip4 must be an object, not a string"),
        (#"{"cniVersion":"0.4.0","ips":[{"version":4,"address":"10.0.0.2/24"}]}"#, "ips[0].version must be a string"),
    ])
    func badFieldIsCode6NamingTheField(text: String, expected: String) throws {
        let error = try decodingError(text)
        #expect(error?.code == CNIError.decodingFailure)
        #expect(error?.msg.contains(expected) == true, "\(error?.msg ?? "no error")")
    }

    @Test func nullFieldsAndEmptyGatewayCountAsAbsent() throws {
        let text = #"{"interfaces":null,"ips":[{"address":"10.0.0.2/24","gateway":"","interface":null}],"routes":null,"dns":null}"#
        let result = try CNIResult(json: JSONValue(parsing: text), defaultVersion: .v1_0_0)
        #expect(result == CNIResult(cniVersion: .v1_0_0, ips: [.init(address: "10.0.0.2/24")]))
    }

    @Test func version04InterfacesIgnoreTheNewerFields() throws {
        // libcni's 0.4.0 Interface has no mtu, so a bad one is not even looked at.
        let text = #"{"cniVersion":"0.4.0","interfaces":[{"name":"eth0","mtu":"x","pciID":"p"}]}"#
        let result = try CNIResult(json: JSONValue(parsing: text), defaultVersion: .v1_0_0)
        #expect(result.interfaces == [.init(name: "eth0")])
    }

    @Test func version04IPVersionIsReadButTheFamilyComesFromTheAddress() throws {
        let text = #"{"cniVersion":"0.4.0","ips":[{"version":"4","address":"fd00::2/64"}]}"#
        #expect(try convert(text, to: .v0_4_0) == #"{"cniVersion":"0.4.0","ips":[{"version":"6","address":"fd00::2/64"}]}"#)
    }

    @Test func everyFieldOf110IsRead() throws {
        let result = try CNIResult(json: JSONValue(parsing: Self.result110), defaultVersion: .v1_0_0)
        #expect(result == CNIResult(
            cniVersion: .v1_1_0,
            interfaces: [.init(name: "eth0", mac: "0a:58:0a:01:02:03", mtu: 1400, sandbox: "/var/run/netns/p",
                               socketPath: "/run/vhost.sock", pciID: "0000:3b:00.2")],
            ips: [.init(address: "10.1.2.3/24", gateway: "10.1.2.1", interface: 0), .init(address: "fd00::3/64", interface: 0)],
            routes: [.init(dst: "0.0.0.0/0", gw: "10.1.2.1", mtu: 1300, advmss: 1200, priority: 5, table: 100, scope: 0)],
            dns: .init(nameservers: ["10.96.0.10"], search: ["svc.cluster.local"])))
    }

    // MARK: writing and converting

    @Test func version110RoundTripsInKeyOrder() throws {
        #expect(try convert(Self.result110, to: .v1_1_0) == """
            {"cniVersion":"1.1.0",\
            "interfaces":[{"name":"eth0","mac":"0a:58:0a:01:02:03","mtu":1400,"sandbox":"/var/run/netns/p",\
            "socketPath":"/run/vhost.sock","pciID":"0000:3b:00.2"}],\
            "ips":[{"interface":0,"address":"10.1.2.3/24","gateway":"10.1.2.1"},{"interface":0,"address":"fd00::3/64"}],\
            "routes":[{"dst":"0.0.0.0/0","gw":"10.1.2.1","mtu":1300,"advmss":1200,"priority":5,"table":100,"scope":0}],\
            "dns":{"nameservers":["10.96.0.10"],"search":["svc.cluster.local"]}}
            """)
    }

    @Test func from110To040DropsNewerFieldsAndAddsVersion() throws {
        #expect(try convert(Self.result110, to: .v0_4_0) == """
            {"cniVersion":"0.4.0",\
            "interfaces":[{"name":"eth0","mac":"0a:58:0a:01:02:03","sandbox":"/var/run/netns/p"}],\
            "ips":[{"version":"4","interface":0,"address":"10.1.2.3/24","gateway":"10.1.2.1"},\
            {"version":"6","interface":0,"address":"fd00::3/64"}],\
            "routes":[{"dst":"0.0.0.0/0","gw":"10.1.2.1"}],\
            "dns":{"nameservers":["10.96.0.10"],"search":["svc.cluster.local"]}}
            """)
    }

    @Test func from110To031AddsVersionToo() throws {
        let out = try CNIResult.convert(JSONValue(parsing: Self.result110), from: .v1_0_0, to: .v0_3_1)
        #expect(out["cniVersion"] == "0.3.1")
        #expect(out["ips"]?.arrayValue?.map { $0["version"] } == ["4", "6"])
    }

    @Test func from110To100DropsNewerFieldsWithoutAddingVersion() throws {
        #expect(try convert(Self.result110, to: .v1_0_0) == """
            {"cniVersion":"1.0.0",\
            "interfaces":[{"name":"eth0","mac":"0a:58:0a:01:02:03","sandbox":"/var/run/netns/p"}],\
            "ips":[{"interface":0,"address":"10.1.2.3/24","gateway":"10.1.2.1"},{"interface":0,"address":"fd00::3/64"}],\
            "routes":[{"dst":"0.0.0.0/0","gw":"10.1.2.1"}],\
            "dns":{"nameservers":["10.96.0.10"],"search":["svc.cluster.local"]}}
            """)
    }

    @Test func from040To100DropsVersion() throws {
        let text = #"{"cniVersion":"0.4.0","interfaces":[{"name":"eth0"}],"ips":[{"version":"4","interface":0,"address":"10.0.0.2/24"}]}"#
        #expect(try convert(text, to: .v1_0_0)
            == #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}],"ips":[{"interface":0,"address":"10.0.0.2/24"}]}"#)
    }

    @Test func from040To020KeepsFirstAddressOfEachFamilyAndSplitsRoutes() throws {
        let text = #"""
            {"cniVersion":"0.4.0","interfaces":[{"name":"eth0","sandbox":"/ns"}],
             "ips":[{"version":"4","interface":0,"address":"10.0.0.2/24","gateway":"10.0.0.1"},
                    {"version":"4","interface":0,"address":"10.0.1.2/24","gateway":"10.0.1.1"},
                    {"version":"6","interface":0,"address":"fd00::2/64","gateway":"fd00::1"}],
             "routes":[{"dst":"0.0.0.0/0","gw":"10.0.0.1"},{"dst":"::/0","gw":"fd00::1"},{"dst":"192.168.0.0/16"}],
             "dns":{"nameservers":["10.0.0.53"],"domain":"example.org","options":["ndots:5"]}}
            """#
        #expect(try convert(text, to: .v0_2_0) == """
            {"cniVersion":"0.2.0",\
            "ip4":{"ip":"10.0.0.2/24","gateway":"10.0.0.1","routes":[{"dst":"0.0.0.0/0","gw":"10.0.0.1"},{"dst":"192.168.0.0/16"}]},\
            "ip6":{"ip":"fd00::2/64","gateway":"fd00::1","routes":[{"dst":"::/0","gw":"fd00::1"}]},\
            "dns":{"nameservers":["10.0.0.53"],"domain":"example.org","options":["ndots:5"]}}
            """)
    }

    @Test func to020DropsRoutesOfAFamilyWithoutAnAddress() throws {
        let text = #"{"ips":[{"address":"fd00::2/64"}],"routes":[{"dst":"0.0.0.0/0","gw":"10.0.0.1"},{"dst":"::/0","mtu":1400}]}"#
        #expect(try convert(text, to: .v0_2_0) == #"{"cniVersion":"0.2.0","ip6":{"ip":"fd00::2/64","routes":[{"dst":"::/0"}]}}"#)
    }

    @Test func to010WritesTheOldShapeWithItsVersion() throws {
        let text = #"{"ips":[{"address":"10.0.0.2/24"}]}"#
        #expect(try convert(text, to: .v0_1_0) == #"{"cniVersion":"0.1.0","ip4":{"ip":"10.0.0.2/24"}}"#)
    }

    @Test(arguments: [CNIVersion.v0_1_0, .v0_2_0])
    func withoutIPAddressesConversionTo02xFails(target: CNIVersion) throws {
        let text = #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"domain":"x"}}"#
        do {
            _ = try convert(text, to: target)
            Issue.record("conversion to \(target) without IPs succeeded")
        } catch let error as CNIError {
            #expect(error.msg == "cannot convert: no valid IP addresses")
            #expect(error.code == CNIError.incompatibleVersion)
        }
    }

    @Test func from020To100MakesIPsWithGatewaysAndMergesRoutes() throws {
        let text = #"""
            {"cniVersion":"0.2.0",
             "ip4":{"ip":"10.0.0.2/24","gateway":"10.0.0.1","routes":[{"dst":"0.0.0.0/0"},{"dst":"10.96.0.0/12","gw":"10.0.0.254"}]},
             "ip6":{"ip":"fd00::2/64","routes":[{"dst":"::/0","gw":"fd00::1"}]},
             "dns":{"nameservers":["10.0.0.53"]}}
            """#
        #expect(try convert(text, to: .v1_0_0) == """
            {"cniVersion":"1.0.0",\
            "ips":[{"address":"10.0.0.2/24","gateway":"10.0.0.1"},{"address":"fd00::2/64"}],\
            "routes":[{"dst":"0.0.0.0/0"},{"dst":"10.96.0.0/12","gw":"10.0.0.254"},{"dst":"::/0","gw":"fd00::1"}],\
            "dns":{"nameservers":["10.0.0.53"]}}
            """)
    }

    @Test func from020To040AddsVersionAndNoInterfaces() throws {
        let text = #"{"cniVersion":"0.2.0","ip6":{"ip":"fd00::2/64","gateway":"fd00::1"}}"#
        #expect(try convert(text, to: .v0_4_0)
            == #"{"cniVersion":"0.4.0","ips":[{"version":"6","address":"fd00::2/64","gateway":"fd00::1"}]}"#)
    }

    @Test func from020To020RoundTrips() throws {
        let text = #"{"cniVersion":"0.2.0","ip4":{"ip":"10.0.0.2/24","gateway":"10.0.0.1","routes":[{"dst":"0.0.0.0/0"}]},"dns":{"domain":"d"}}"#
        #expect(try convert(text, to: .v0_2_0) == text)
    }

    @Test func emptyOptionalFieldsAreOmitted() throws {
        let result = CNIResult(cniVersion: .v1_1_0,
                               interfaces: [.init(name: "eth0", mac: "", mtu: 0, sandbox: "", socketPath: "", pciID: "")],
                               ips: [.init(address: "10.0.0.2/24", gateway: nil, interface: nil)],
                               routes: [.init(dst: "0.0.0.0/0", gw: nil, mtu: 0, advmss: 0, priority: 0)],
                               dns: .init())
        #expect(try result.json(as: .v1_1_0).serialized == """
            {"cniVersion":"1.1.0","interfaces":[{"name":"eth0"}],"ips":[{"address":"10.0.0.2/24"}],"routes":[{"dst":"0.0.0.0/0"}]}
            """)
        #expect(try CNIResult(cniVersion: .v1_0_0).json(as: .v1_0_0).serialized == #"{"cniVersion":"1.0.0"}"#)
    }

    @Test func routeTableAndScopeZeroAreWrittenLikeGoPointers() throws {
        let result = CNIResult(cniVersion: .v1_1_0, routes: [.init(dst: "10.0.0.0/8", table: 0, scope: 0)])
        #expect(try result.json(as: .v1_1_0)["routes"] == [["dst": "10.0.0.0/8", "table": 0, "scope": 0]])
    }

    @Test func encodingToAnUnsupportedVersionIsCode1() {
        do {
            _ = try CNIResult(cniVersion: .v1_0_0).json(as: CNIVersion(0, 5, 0))
            Issue.record("encoded as 0.5.0")
        } catch {
            #expect(error.code == CNIError.incompatibleVersion)
        }
    }

    @Test func convertIsReadThenWrite() throws {
        let json = try JSONValue(parsing: Self.result110)
        let viaModel = try CNIResult(json: json, defaultVersion: .v0_4_0).json(as: .v0_3_0)
        #expect(try CNIResult.convert(json, from: .v0_4_0, to: .v0_3_0) == viaModel)
    }

    // MARK: addresses

    @Test func isIPv6IsThePresenceOfAColon() {
        #expect(CNIResult.isIPv6("fd00::1/64"))
        #expect(CNIResult.isIPv6("::"))
        #expect(CNIResult.isIPv6("::ffff:10.0.0.1"))
        #expect(!CNIResult.isIPv6("10.0.0.1/24"))
        #expect(!CNIResult.isIPv6("0.0.0.0/0"))
    }

    @Test(arguments: ["10.1.2.3/24", "0.0.0.0/0", "255.255.255.255/32", "10.0.0.1/024", "::/0", "fd00::1/128",
                      "2001:db8:0:0:0:0:0:1/64", "::ffff:10.0.0.1/120", "1:2:3:4:5:6:1.2.3.4/96", "FE80::A/10", "1::/64"])
    func validCIDRsAreAccepted(text: String) {
        #expect(IPText.isCIDR(text))
    }

    @Test(arguments: ["10.1.2.3", "10.1.2.3/", "10.1.2.3/33", "10.1.2/24", "10.1.2.3.4/24", "010.1.2.3/24", "256.1.2.3/8",
                      "fd00::1/129", "fd00:::1/64", "1::2::3/64", "1:2:3:4:5:6:7:8:9/64", "1:2:3:4:5:6:7/64",
                      "1:2:3:4:5:6:7:8::/64", "fe80::1%eth0/64", ":1::/64", "1::2:/64", "12345::/64", "/24", "10.0.0.1/-1",
                      "10.0.0.1/2 4", "1:2:3:4:5:6:7:1.2.3.4/96"])
    func invalidCIDRsAreRejected(text: String) {
        #expect(!IPText.isCIDR(text))
    }
}
