import CNISpec
import FuzzSupport
import MultusLogging

// Logs get configs, NAD configs (JSON inside a JSON string), kubeconfig
// fragments and HTTP headers. The harness plants a marker secret into what the
// fuzzer wrote and checks that no way of logging it lets the marker through:
// - as text after `Bearer `, whatever comes before;
// - in a JSON document, as the string value of every member whose key is a
//   secret's (the fuzzer's own keys, printable ASCII, and a set of real ones),
//   logged as a value, as compact and pretty text, and as a JSON string inside
//   JSON (a NAD's `config`).
let marker = "XyZZy0Secret0yZZyX"
let plantedKeys = ["token", "password", "client-key-data", "Authorization", "bearerToken", "tls.key",
                   "apiKey", "client_secret", "auth", "X-Api-Key", "passphrase", "keyData"]

fuzz { input in
    // The fuzzer's own text may spell the marker where it is no secret.
    let text = String(decoding: input, as: UTF8.self)
    guard !text.contains("XyZZy") else { return }

    for logged in [text + " Authorization: Bearer " + marker, text + "\nbearer\t" + marker + "\n"] {
        check(!redactedForLog(logged).contains(marker), "the bearer token survives in \(logged.debugDescription)")
    }

    guard let template = try? JSONValue(parsing: input) else { return }
    var keyIndex = 0
    let planted = plant(template, &keyIndex)
    let asString: JSONValue = .object(JSONObject([("name", "nad"), ("config", .string(planted.serialized))]))
    for (how, logged) in [("as a value", redactedForLog(planted).serialized),
                          ("as text", redactedForLog(planted.serialized)),
                          ("as pretty text", redactedForLog(planted.pretty)),
                          ("inside a JSON string, as a value", redactedForLog(asString).serialized),
                          ("inside a JSON string, as text", redactedForLog(asString.serialized))] {
        check(!logged.contains(marker), "a secret survives \(how): \(planted.serialized) → \(logged)")
    }
}

func plant(_ value: JSONValue, _ keyIndex: inout Int) -> JSONValue {
    switch value {
    case .object(let object):
        var result = JSONObject()
        for member in object {
            let printable = member.key.utf8.allSatisfy { (0x20...0x7E).contains($0) }
            result[member.key] = isSecretKey(member.key) && printable ? .string(marker) : plant(member.value, &keyIndex)
        }
        result[plantedKeys[keyIndex % plantedKeys.count]] = .string(marker)
        keyIndex += 1
        return .object(result)
    case .array(let elements):
        return .array(elements.map { plant($0, &keyIndex) })
    case .string, .number, .bool, .null:
        return value
    }
}
