// Writing a CNIResult in a given version, with libcni's conversion rules
// (pkg/types/020, 040, 100). Fields are left out where Go's `omitempty` would
// leave them out; `dns` is left out when empty.

extension CNIResult {
    /// The result as `version` expects it. 0.1.0/0.2.0 hold one address per
    /// family: the first of each is kept, and without any the conversion fails
    /// ("cannot convert: no valid IP addresses", code 1) as in libcni.
    package func json(as version: CNIVersion) throws(CNIError) -> JSONValue {
        guard version.isSupported else {
            throw CNIError(code: CNIError.incompatibleVersion,
                           msg: "cannot convert CNI result to unsupported version \(version)")
        }
        return version < .v0_3_0 ? try legacyJSON(version) : currentJSON(version)
    }

    /// Reads a result (cniVersion defaulting to `defaultVersion`) and writes it as `target`.
    /// A 0.1.0/0.2.0 result already in `target` passes as it is (valid, with
    /// its cniVersion set): an empty 0.2.0 result is a valid 0.2.0 result,
    /// even though a newer result without addresses cannot become one.
    package static func convert(_ json: JSONValue, from defaultVersion: CNIVersion,
                               to target: CNIVersion) throws(CNIError) -> JSONValue
    {
        let result = try CNIResult(json: json, defaultVersion: defaultVersion)
        guard result.cniVersion == target, target < .v0_3_0, case .object(var object) = json else {
            return try result.json(as: target)
        }
        object["cniVersion"] = .string(target.description)
        return .object(object)
    }

    /// 0.3.0 and later: 0.3.x/0.4.0 add `version` to each IP; only 1.1.0 has the
    /// newer interface and route fields.
    private func currentJSON(_ version: CNIVersion) -> JSONValue {
        let newest = version >= .v1_1_0
        var root = JSONObject([("cniVersion", .string(version.description))])
        if !interfaces.isEmpty { root["interfaces"] = .array(interfaces.map { $0.json(newest: newest) }) }
        if !ips.isEmpty { root["ips"] = .array(ips.map { $0.json(withVersion: version < .v1_0_0) }) }
        if !routes.isEmpty { root["routes"] = .array(routes.map { $0.json(newest: newest) }) }
        if !dns.isEmpty { root["dns"] = dns.json }
        return .object(root)
    }

    /// 0.1.0/0.2.0: `ip4`/`ip6` from the first address of each family; routes go
    /// to the family of their `dst` (and are dropped when that family has no
    /// address); interfaces and interface indices are lost.
    private func legacyJSON(_ version: CNIVersion) throws(CNIError) -> JSONValue {
        let first4 = ips.first { !$0.isIPv6 }
        let first6 = ips.first { $0.isIPv6 }
        guard first4 != nil || first6 != nil else {
            throw CNIError(code: CNIError.incompatibleVersion, msg: "cannot convert: no valid IP addresses",
                           details: "a \(version) result needs an IPv4 or IPv6 address")
        }
        func ipConfig(_ ip: IPConfig, v6: Bool) -> JSONValue {
            var object = JSONObject([("ip", .string(ip.address))])
            if let gateway = ip.gateway, !gateway.isEmpty { object["gateway"] = .string(gateway) }
            let familyRoutes = routes.filter { $0.isIPv6 == v6 }.map { Route(dst: $0.dst, gw: $0.gw).json(newest: false) }
            if !familyRoutes.isEmpty { object["routes"] = .array(familyRoutes) }
            return .object(object)
        }
        var root = JSONObject([("cniVersion", .string(version.description))])
        if let first4 { root["ip4"] = ipConfig(first4, v6: false) }
        if let first6 { root["ip6"] = ipConfig(first6, v6: true) }
        if !dns.isEmpty { root["dns"] = dns.json }
        return .object(root)
    }
}

extension CNIResult.Interface {
    func json(newest: Bool) -> JSONValue {
        var object = JSONObject([("name", .string(name))])
        object["mac"] = .nonEmpty(mac)
        if newest { object["mtu"] = .nonZero(mtu) }
        object["sandbox"] = .nonEmpty(sandbox)
        if newest {
            object["socketPath"] = .nonEmpty(socketPath)
            object["pciID"] = .nonEmpty(pciID)
        }
        return .object(object)
    }
}

extension CNIResult.IPConfig {
    func json(withVersion: Bool) -> JSONValue {
        var object = JSONObject()
        if withVersion { object["version"] = .string(isIPv6 ? "6" : "4") }
        object["interface"] = interface.map(JSONValue.int)
        object["address"] = .string(address)
        object["gateway"] = .nonEmpty(gateway)
        return .object(object)
    }
}

extension CNIResult.Route {
    func json(newest: Bool) -> JSONValue {
        var object = JSONObject([("dst", .string(dst))])
        object["gw"] = .nonEmpty(gw)
        if newest {
            object["mtu"] = .nonZero(mtu)
            object["advmss"] = .nonZero(advmss)
            object["priority"] = .nonZero(priority)
            // Pointers in Go: 0 is written.
            object["table"] = table.map(JSONValue.int)
            object["scope"] = scope.map(JSONValue.int)
        }
        return .object(object)
    }
}

extension CNIResult.DNS {
    var json: JSONValue {
        var object = JSONObject()
        if !nameservers.isEmpty { object["nameservers"] = .array(nameservers.map(JSONValue.string)) }
        object["domain"] = .nonEmpty(domain)
        if !search.isEmpty { object["search"] = .array(search.map(JSONValue.string)) }
        if !options.isEmpty { object["options"] = .array(options.map(JSONValue.string)) }
        return .object(object)
    }
}

extension JSONValue {
    /// `omitempty` for Go strings and ints: nil (no member) for "" and 0.
    fileprivate static func nonEmpty(_ s: String?) -> JSONValue? {
        guard let s, !s.isEmpty else { return nil }
        return .string(s)
    }

    fileprivate static func nonZero(_ n: Int?) -> JSONValue? {
        guard let n, n != 0 else { return nil }
        return .int(n)
    }
}
