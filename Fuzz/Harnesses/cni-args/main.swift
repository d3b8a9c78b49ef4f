import CNISpec
import FuzzSupport

// CNI_ARGS comes from the runtime and, merged with a selection's cni-args,
// goes to every plugin, which splits it on bytes (Go's strings.Split). What we
// accept must hold no key twice, split the same way, and read back the same
// from its text and from the results cache's JSON form.
fuzz { input in
    guard let args = try? CNIArgs(parsing: String(decoding: input, as: UTF8.self)) else { return }
    var keys = Set<String>()
    for (key, value) in args {
        check(!key.isEmpty, "an empty key in \(args.text)")
        check(!key.utf8.contains(UInt8(ascii: "=")) && !key.utf8.contains(UInt8(ascii: ";")),
              "key \(key.debugDescription) holds '=' or ';'")
        check(!value.utf8.contains(UInt8(ascii: ";")), "value \(value.debugDescription) holds ';'")
        check(keys.insert(key).inserted, "key \(key.debugDescription) twice in \(args.text)")
    }
    check((try? CNIArgs(parsing: args.text)) == args, "\(args.text.debugDescription) does not read back")
    check(CNIArgs(json: args.json) == args, "the JSON form of \(args.text.debugDescription) does not read back")
    check(args.merging(args) == args && CNIArgs().merging(args) == args, "merging \(args.text.debugDescription) changes it")
}
