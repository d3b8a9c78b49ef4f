/// A plugin's result (SPEC "Success"), held in one canonical shape whatever
/// version it was written in. Reading accepts every supported version;
/// `json(as:)` writes any of them with libcni's conversion rules
/// (CNIResultConversion.swift). Addresses keep the text the plugin wrote.
package struct CNIResult: Sendable, Equatable {
    package var cniVersion: CNIVersion
    package var interfaces: [Interface]
    package var ips: [IPConfig]
    package var routes: [Route]
    package var dns: DNS

    package init(cniVersion: CNIVersion, interfaces: [Interface] = [], ips: [IPConfig] = [],
                routes: [Route] = [], dns: DNS = DNS())
    {
        self.cniVersion = cniVersion
        self.interfaces = interfaces
        self.ips = ips
        self.routes = routes
        self.dns = dns
    }

    package struct Interface: Sendable, Equatable {
        package var name: String
        /// Empty when the plugin named none.
        package var mac: String
        /// 1.1.0.
        package var mtu: Int?
        /// The netns path for interfaces inside the container; empty for host interfaces.
        package var sandbox: String
        /// 1.1.0.
        package var socketPath: String?
        /// 1.1.0.
        package var pciID: String?

        package init(name: String, mac: String = "", mtu: Int? = nil, sandbox: String = "",
                    socketPath: String? = nil, pciID: String? = nil)
        {
            self.name = name
            self.mac = mac
            self.mtu = mtu
            self.sandbox = sandbox
            self.socketPath = socketPath
            self.pciID = pciID
        }
    }

    package struct IPConfig: Sendable, Equatable {
        /// CIDR notation with the host address, e.g. "10.1.2.3/24".
        package var address: String
        package var gateway: String?
        /// Index into `interfaces`.
        package var interface: Int?

        package init(address: String, gateway: String? = nil, interface: Int? = nil) {
            self.address = address
            self.gateway = gateway
            self.interface = interface
        }

        package var isIPv6: Bool { CNIResult.isIPv6(address) }
    }

    package struct Route: Sendable, Equatable {
        package var dst: String
        package var gw: String?
        // 1.1.0 fields.
        package var mtu: Int?
        package var advmss: Int?
        package var priority: Int?
        package var table: Int?
        package var scope: Int?

        package init(dst: String, gw: String? = nil, mtu: Int? = nil, advmss: Int? = nil,
                    priority: Int? = nil, table: Int? = nil, scope: Int? = nil)
        {
            self.dst = dst
            self.gw = gw
            self.mtu = mtu
            self.advmss = advmss
            self.priority = priority
            self.table = table
            self.scope = scope
        }

        package var isIPv6: Bool { CNIResult.isIPv6(dst) }
    }

    package struct DNS: Sendable, Equatable {
        package var nameservers: [String]
        package var domain: String
        package var search: [String]
        package var options: [String]

        package init(nameservers: [String] = [], domain: String = "", search: [String] = [], options: [String] = []) {
            self.nameservers = nameservers
            self.domain = domain
            self.search = search
            self.options = options
        }

        package var isEmpty: Bool { nameservers.isEmpty && domain.isEmpty && search.isEmpty && options.isEmpty }
    }

    /// The address family by the presence of ':', as for any IP or CIDR text.
    package static func isIPv6(_ addressOrCIDR: String) -> Bool {
        addressOrCIDR.utf8.contains(UInt8(ascii: ":"))
    }
}

// MARK: - Reading

extension CNIResult {
    /// Reads a result of any supported version. A result without a (string,
    /// non-empty) cniVersion takes `defaultVersion`, the config's, as libcni's
    /// `fixupResultVersion` does. Malformed fields are code 6, naming the field;
    /// a version we do not speak is code 1.
    package init(json: JSONValue, defaultVersion: CNIVersion) throws(CNIError) {
        guard case .object(let object) = json else {
            throw .decoding("invalid CNI result: expected a JSON object, not \(json.kindName)")
        }
        let root = ResultFields.result(object)
        if case .string(let text)? = object["cniVersion"], !text.isEmpty {
            cniVersion = try CNIVersion.parseSupported(text, field: "result cniVersion")
        } else {
            cniVersion = try CNIVersion.parseSupported(defaultVersion.description, field: "result cniVersion")
        }
        dns = try root.object("dns").map { fields throws(CNIError) in try DNS(fields) } ?? DNS()

        if cniVersion < .v0_3_0 {
            // 0.1.0/0.2.0: one address per family, each with its own routes.
            interfaces = []
            ips = []
            routes = []
            for key in ["ip4", "ip6"] {
                guard let fields = try root.object(key) else { continue }
                ips.append(IPConfig(address: try fields.cidr("ip"), gateway: try fields.ip("gateway")))
                routes += try fields.objects("routes").map { f throws(CNIError) in try Route(f) }
            }
        } else {
            let current = cniVersion >= .v1_0_0
            interfaces = try root.objects("interfaces").map { f throws(CNIError) in try Interface(f, current: current) }
            ips = try root.objects("ips").map { f throws(CNIError) in try IPConfig(f, current: current) }
            routes = try root.objects("routes").map { f throws(CNIError) in try Route(f) }
        }
    }

    /// Reads a plugin's stdout; bytes that are not JSON are code 6.
    package init(parsing bytes: some Collection<UInt8>, defaultVersion: CNIVersion) throws(CNIError) {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch {
            throw .decoding("invalid CNI result: \(error)")
        }
        try self.init(json: json, defaultVersion: defaultVersion)
    }
}

extension CNIResult.Interface {
    /// 0.3.x/0.4.0 interfaces have no mtu/socketPath/pciID; libcni's 0.4.0 type
    /// ignores them, so we do too.
    fileprivate init(_ f: ResultFields, current: Bool) throws(CNIError) {
        self.init(name: try f.string("name") ?? "", mac: try f.string("mac") ?? "",
                  sandbox: try f.string("sandbox") ?? "")
        if current {
            mtu = try f.int("mtu")
            socketPath = try f.string("socketPath")
            pciID = try f.string("pciID")
        }
    }
}

extension CNIResult.IPConfig {
    /// 0.3.x/0.4.0 `version` is checked for type only: the family comes from the address.
    fileprivate init(_ f: ResultFields, current: Bool) throws(CNIError) {
        if !current { _ = try f.string("version") }
        self.init(address: try f.cidr("address"), gateway: try f.ip("gateway"), interface: try f.int("interface"))
    }
}

extension CNIResult.Route {
    /// Every version's routes are read whole, as libcni's shared `types.Route` does;
    /// writing drops what the target version lacks.
    fileprivate init(_ f: ResultFields) throws(CNIError) {
        self.init(dst: try f.cidr("dst"), gw: try f.ip("gw"), mtu: try f.int("mtu"), advmss: try f.int("advmss"),
                  priority: try f.int("priority"), table: try f.int("table"), scope: try f.int("scope"))
    }
}

extension CNIResult.DNS {
    fileprivate init(_ f: ResultFields) throws(CNIError) {
        self.init(nameservers: try f.strings("nameservers") ?? [], domain: try f.string("domain") ?? "",
                  search: try f.strings("search") ?? [], options: try f.strings("options") ?? [])
    }
}

/// A result's fields: errors are decoding errors (code 6) naming the field.
private typealias ResultFields = JSONFields

extension JSONFields {
    fileprivate static func result(_ object: JSONObject) -> JSONFields {
        JSONFields(object) { .decoding("invalid CNI result: \($0)") }
    }

    /// A required address with prefix length, as Go's `net.ParseCIDR` accepts it.
    fileprivate func cidr(_ key: String) throws(CNIError) -> String {
        guard let text = try string(key) else { throw fail(key, "is missing") }
        guard IPText.isCIDR(text) else { throw fail(key, "\"\(text)\" is not an address with a prefix length, like \"10.1.2.3/24\"") }
        return text
    }

    /// An optional plain address; "" is absent, as Go's `net.IP` reads it.
    fileprivate func ip(_ key: String) throws(CNIError) -> String? {
        guard let text = try string(key), !text.isEmpty else { return nil }
        guard IPText.isIP(text[...]) else { throw fail(key, "\"\(text)\" is not an IP address") }
        return text
    }
}
