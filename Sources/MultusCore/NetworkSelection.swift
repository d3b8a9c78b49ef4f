import CNISpec
import Delegation
import KubeAPI

/// One element of `k8s.v1.cni.cncf.io/networks` (the Network Plumbing WG
/// NetworkSelectionElement): which NAD, and what the pod asks of it.
package struct NetworkSelection: Sendable, Equatable {
    package var name: String
    package var namespace: String
    package var interfaceRequest: String?
    package var ips: [String] = []
    package var mac: String?
    package var infinibandGUID: String?
    package var portMappings: JSONValue?
    package var bandwidth: JSONValue?
    package var deviceID: String?
    package var cniArgs: JSONObject?
    package var defaultRoute: [String] = []

    package init(name: String, namespace: String, interfaceRequest: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.interfaceRequest = interfaceRequest
    }

    package var key: ObjectKey { ObjectKey(namespace: namespace, name: name) }

    /// What Go Multus keeps of the selection in its scratch cache.
    var requests: SelectionRequests {
        SelectionRequests(mac: mac, ips: ips, infinibandGUID: infinibandGUID, defaultRoute: defaultRoute)
    }

    /// Parses the annotation: JSON when it contains `[`, `{` or `"` (and then it
    /// must be an array), else `[namespace/]name[@ifname]` separated by commas.
    package static func parse(_ text: String, defaultNamespace: String) throws(CNIError) -> [NetworkSelection] {
        let selections = text.contains(where: { $0 == "[" || $0 == "{" || $0 == "\"" })
            ? try parseJSON(text, defaultNamespace: defaultNamespace)
            : try parseList(text, defaultNamespace: defaultNamespace)
        for selection in selections { try selection.validate() }
        return selections
    }

    private static func fail(_ why: String) -> CNIError {
        .invalidConfig("invalid \(WellKnownAnnotation.networks) annotation: \(why)")
    }

    /// Namespace and name are DNS-1123 labels; the `@ifname` part follows the
    /// CNI interface-name rule only (checked in `validate`), as in Go.
    private static func parseList(_ text: String, defaultNamespace: String) throws(CNIError) -> [NetworkSelection] {
        var result: [NetworkSelection] = []
        for rawItem in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = String(rawItem).trimmingSpace
            let slashParts = item.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard slashParts.count <= 2 else { throw fail("\"\(item)\" has more than one '/'") }
            let namespace = slashParts.count == 2 ? slashParts[0].trimmingSpace : ""
            let atParts = slashParts.last!.split(separator: "@", omittingEmptySubsequences: false).map { String($0).trimmingSpace }
            guard atParts.count <= 2 else { throw fail("\"\(item)\" has more than one '@'") }
            let name = atParts[0]
            let ifName = atParts.count == 2 ? atParts[1] : ""
            for part in [namespace, name] where !part.isEmpty && !isDNSLabel(part) {
                throw fail("\"\(part)\" in \"\(item)\" must consist of lower case alphanumeric characters or '-', and start and end with an alphanumeric character")
            }
            guard !name.isEmpty else { throw fail("\"\(item)\" names no network") }
            result.append(NetworkSelection(name: name, namespace: namespace.isEmpty ? defaultNamespace : namespace,
                                           interfaceRequest: ifName.isEmpty ? nil : ifName))
        }
        return result
    }

    /// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
    static func isDNSLabel(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        func alnum(_ b: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
        }
        guard let first = bytes.first, let last = bytes.last, alnum(first), alnum(last) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == UInt8(ascii: "-") }
    }

    private static func parseJSON(_ text: String, defaultNamespace: String) throws(CNIError) -> [NetworkSelection] {
        let json: JSONValue
        do { json = try JSONValue(parsing: text) } catch { throw fail("not valid JSON: \(error)") }
        guard case .array(let elements) = json else { throw fail("the JSON form must be an array, not \(json.kindName)") }
        var result: [NetworkSelection] = []
        for (i, element) in elements.enumerated() {
            guard case .object(let o) = element else { throw fail("element \(i) must be an object, not \(element.kindName)") }
            result.append(try selection(from: JSONFields(o, path: "element \(i)", failure: fail), defaultNamespace: defaultNamespace))
        }
        return result
    }

    private static func selection(from f: JSONFields, defaultNamespace: String) throws(CNIError) -> NetworkSelection {
        guard let name = try f.nonEmptyString("name") else { throw f.fail("name", "is missing") }
        let namespace = try f.nonEmptyString("namespace") ?? defaultNamespace
        // `interfaceRequest` is the pre-3.2 spelling, used when `interface` is absent.
        let deprecated = try f.nonEmptyString("interfaceRequest")
        let interface = try f.nonEmptyString("interface") ?? deprecated
        var s = NetworkSelection(name: name, namespace: namespace, interfaceRequest: interface)
        s.ips = try f.strings("ips") ?? []
        s.mac = try f.nonEmptyString("mac")
        s.infinibandGUID = try f.nonEmptyString("infiniband-guid")
        s.deviceID = try f.nonEmptyString("deviceID")
        s.defaultRoute = try f.strings("default-route") ?? []
        s.portMappings = try f.array("portMappings").map(JSONValue.array)
        s.bandwidth = try f.objectValue("bandwidth").map(JSONValue.object)
        s.cniArgs = try f.objectValue("cni-args")
        return s
    }

    /// Multus's checks on the requested values; each message names the value.
    func validate() throws(CNIError) {
        if let ifName = interfaceRequest {
            do { try Validation.interfaceName(ifName, field: "the interface request of \(key)") } catch {
                throw .invalidConfig(error.msg)
            }
        }
        for ip in ips {
            let ok = ip.contains("/") ? IPText.isCIDR(ip) : IPText.isIP(ip)
            if !ok { throw .invalidConfig("network \(key): failed to parse IP address \"\(ip)\" in \"ips\"") }
        }
        if let mac, !HardwareAddress.isValid(mac) {
            throw .invalidConfig("network \(key): failed to parse mac address \"\(mac)\"")
        }
        if let guid = infinibandGUID, !HardwareAddress.isValid(guid) {
            throw .invalidConfig("network \(key): failed to parse infiniband guid \"\(guid)\"")
        }
        for gateway in defaultRoute where !IPText.isIP(gateway) {
            throw .invalidConfig("network \(key): failed to parse default-route gateway \"\(gateway)\"")
        }
    }
}
