import CNISpec
import FuzzSupport
import MultusCore

// The k8s.v1.cni.cncf.io/networks annotation is written by whoever may create
// pods. Input: the default namespace, a newline, the annotation. A selection
// we accept names a network, and written back in the same form (list or
// JSON) it reads back the same.
fuzz { input in
    var input = FuzzInput(input)
    let defaultNamespace = input.line()
    let text = input.restText
    guard let selections = try? NetworkSelection.parse(text, defaultNamespace: defaultNamespace) else { return }
    let isList = !text.contains(where: { $0 == "[" || $0 == "{" || $0 == "\"" })
    for s in selections {
        check(!s.name.isEmpty, "a selection without a name in \(text.debugDescription)")
        check(!s.namespace.isEmpty || defaultNamespace.isEmpty, "a selection without a namespace in \(text.debugDescription)")
    }
    let written = isList ? listForm(selections, defaultNamespace: defaultNamespace) : jsonForm(selections)
    let again = try? NetworkSelection.parse(written, defaultNamespace: defaultNamespace)
    check(again == selections, "\(text.debugDescription) written back as \(written.debugDescription) reads differently")
}

/// The namespace is left out where it is the default one (which need not be a DNS label).
func listForm(_ selections: [NetworkSelection], defaultNamespace: String) -> String {
    selections.map { s in
        (s.namespace == defaultNamespace ? "" : s.namespace + "/") + s.name + (s.interfaceRequest.map { "@" + $0 } ?? "")
    }.joined(separator: ",")
}

func jsonForm(_ selections: [NetworkSelection]) -> String {
    JSONValue.array(selections.map { s in
        var o = JSONObject([("name", .string(s.name)), ("namespace", .string(s.namespace))])
        o["interface"] = s.interfaceRequest.map(JSONValue.string)
        o["ips"] = s.ips.isEmpty ? nil : .array(s.ips.map(JSONValue.string))
        o["mac"] = s.mac.map(JSONValue.string)
        o["infiniband-guid"] = s.infinibandGUID.map(JSONValue.string)
        o["deviceID"] = s.deviceID.map(JSONValue.string)
        o["default-route"] = s.defaultRoute.isEmpty ? nil : .array(s.defaultRoute.map(JSONValue.string))
        o["portMappings"] = s.portMappings
        o["bandwidth"] = s.bandwidth
        o["cni-args"] = s.cniArgs.map(JSONValue.object)
        return .object(o)
    }).serialized
}
