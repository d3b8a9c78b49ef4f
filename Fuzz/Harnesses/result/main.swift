import CNISpec
import FuzzSupport

// A plugin's stdout becomes our result, converted to the version the runtime
// asked for. Input: one byte choosing the config's version (the default for a
// result without cniVersion), then the result. For every version: a result
// we read converts to every 0.3.0+ version, and what we write reads back as a
// result of that version that converts to itself unchanged.
fuzz { input in
    var input = FuzzInput(input)
    let configVersion = CNIVersion.supported[Int(input.byte()) % CNIVersion.supported.count]
    guard let json = try? JSONValue(parsing: input.rest),
          (try? CNIResult(json: json, defaultVersion: configVersion)) != nil else { return }
    for target in CNIVersion.supported {
        let converted: JSONValue
        do {
            converted = try CNIResult.convert(json, from: configVersion, to: target)
        } catch {
            check(target < .v0_3_0, "\(json.serialized) does not convert to \(target): \(error)")
            continue
        }
        check(converted["cniVersion"]?.stringValue == target.description, "\(converted.serialized) is not a \(target) result")
        guard let reread = try? CNIResult(json: converted, defaultVersion: target) else {
            fatalError("\(json.serialized) converted to \(target) does not read back: \(converted.serialized)")
        }
        check(reread.cniVersion == target, "\(converted.serialized) reads as \(reread.cniVersion)")
        let again = try? CNIResult.convert(converted, from: target, to: target)
        check(again == converted, "\(converted.serialized) converted to its own version \(target) changes: \(again?.serialized ?? "fails")")
    }
}
