import CNISpec

/// Entries of `k8s.v1.cni.cncf.io/network-status` (Network Plumbing WG
/// multi-net spec, as Multus writes them): one per sandbox interface.
package enum NetworkStatusBuilder {
    /// - Parameters:
    ///   - result: the delegate's result (any version; converted to 1.1.0 here).
    ///   - ifName: the attachment's interface, named when the result lists no sandbox interface.
    ///   - isDefault: true for the master (cluster network) only.
    ///   - deviceInfo: the device-info file's content, when the network has a device.
    package static func entries(network: String, ifName: String, result: JSONValue, resultVersion: CNIVersion, isDefault: Bool,
                               deviceInfo: JSONValue? = nil) throws(CNIError) -> [JSONValue] {
        let r = try CNIResult(json: result, defaultVersion: resultVersion)
        let gateways = r.routes.filter { isDefaultRoute($0.dst) }.compactMap(\.gw)
        let sandboxIndices = r.interfaces.indices.filter { !r.interfaces[$0].sandbox.isEmpty }

        // One sandbox interface, or none (0.2.0 results, some plugins): one entry
        // holding every address. (Multus writes no entry at all for none.)
        guard sandboxIndices.count > 1 else {
            let iface = sandboxIndices.first.map { r.interfaces[$0] } ?? CNIResult.Interface(name: ifName)
            return [entry(network: network, interface: iface, ips: r.ips.map(\.address), gateways: gateways,
                          isDefault: isDefault, dns: r.dns, deviceInfo: deviceInfo)]
        }
        // Several sandbox interfaces: addresses go to the interface they name;
        // those naming none go to the last one. The default mark goes to the first
        // interface with a gateway, else the first one.
        let gatewayIndex = r.ips.first { $0.gateway != nil && $0.interface != nil }?.interface
        let defaultIndex = isDefault ? (gatewayIndex.flatMap { sandboxIndices.contains($0) ? $0 : nil } ?? sandboxIndices[0]) : nil
        return sandboxIndices.map { index in
            let ips = r.ips.filter { $0.interface == index || ($0.interface == nil && index == sandboxIndices.last) }
            return entry(network: network, interface: r.interfaces[index], ips: ips.map(\.address), gateways: gateways,
                         isDefault: index == defaultIndex, dns: r.dns, deviceInfo: deviceInfo)
        }
    }

    package static func isDefaultRoute(_ dst: String) -> Bool {
        dst == "0.0.0.0/0" || dst == "::/0" || dst.isEmpty
    }

    private static func entry(network: String, interface: CNIResult.Interface?, ips: [String], gateways: [String],
                              isDefault: Bool, dns: CNIResult.DNS, deviceInfo: JSONValue?) -> JSONValue {
        var o = JSONObject([("name", .string(network))])
        if let interface {
            o["interface"] = .string(interface.name)
        }
        // Addresses without their prefix length, as Multus shows them.
        let bare = ips.map { String($0.split(separator: "/").first ?? "") }
        if !bare.isEmpty { o["ips"] = .array(bare.map(JSONValue.string)) }
        if let mac = interface?.mac, !mac.isEmpty { o["mac"] = .string(mac) }
        if let mtu = interface?.mtu, mtu != 0 { o["mtu"] = .int(mtu) }
        if isDefault { o["default"] = true }
        o["dns"] = dnsJSON(dns)
        if let deviceInfo { o["device-info"] = deviceInfo }
        if !gateways.isEmpty { o["gateway"] = .array(gateways.map(JSONValue.string)) }
        return .object(o)
    }

    /// Multus always writes `dns`, `{}` when the result has none.
    private static func dnsJSON(_ dns: CNIResult.DNS) -> JSONValue {
        var o = JSONObject()
        if !dns.nameservers.isEmpty { o["nameservers"] = .array(dns.nameservers.map(JSONValue.string)) }
        if !dns.domain.isEmpty { o["domain"] = .string(dns.domain) }
        if !dns.search.isEmpty { o["search"] = .array(dns.search.map(JSONValue.string)) }
        if !dns.options.isEmpty { o["options"] = .array(dns.options.map(JSONValue.string)) }
        return .object(o)
    }

    /// The annotation value: the entries as one pretty JSON list, as Multus writes it.
    package static func annotationValue(_ entries: [JSONValue]) -> String {
        JSONValue.array(entries).pretty
    }
}
