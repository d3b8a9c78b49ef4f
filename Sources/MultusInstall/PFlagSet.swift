import SystemSupport

/// Command-line flags parsed as Go's spf13/pflag parses them, so that the
/// `command`/`args` of Go Multus's DaemonSets mean here exactly what they mean
/// there: `--name=value`, `--name value` (strings take the next argument
/// whatever it looks like), booleans as `--name` or `--name=<bool>` only
/// (`--name false` is `--name` plus a positional "false", as in pflag),
/// shorthands `-t thin`, `-tthin`, `-t=thin`, `--` ending the flags, and
/// positional arguments anywhere (ignored by the commands, as Go ignores them).
package struct PFlagSet: Sendable {
    package struct Flag: Sendable {
        package enum Kind: Sendable { case string, bool }
        package var name: String
        package var shorthand: Character?
        package var kind: Kind
        package var defaultValue: String
        package var usage: String
        /// Left out of the usage text, as pflag's MarkHidden.
        package var hidden: Bool
    }

    /// Why parsing stopped: pflag's own wording, which the command prints
    /// after the usage and answers with exit status 2.
    package enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case message(String)
        package var description: String { switch self { case .message(let m): m } }
    }

    package private(set) var flags: [Flag] = []
    private var values: [String: String] = [:]
    private var given: Set<String> = []
    package private(set) var positional: [String] = []

    package init() {}

    package mutating func string(_ name: String, shorthand: Character? = nil, default value: String, _ usage: String,
                                 hidden: Bool = false) {
        flags.append(Flag(name: name, shorthand: shorthand, kind: .string, defaultValue: value, usage: usage, hidden: hidden))
    }

    package mutating func bool(_ name: String, shorthand: Character? = nil, default value: Bool, _ usage: String,
                               hidden: Bool = false) {
        flags.append(Flag(name: name, shorthand: shorthand, kind: .bool, defaultValue: value ? "true" : "false",
                          usage: usage, hidden: hidden))
    }

    /// The value of a string flag: the last one given, else its default.
    package func string(_ name: String) -> String { values[name] ?? flag(name)?.defaultValue ?? "" }
    package func bool(_ name: String) -> Bool { string(name) == "true" }
    /// Whether the command line named the flag at all.
    package func isGiven(_ name: String) -> Bool { given.contains(name) }

    private func flag(_ name: String) -> Flag? { flags.first { $0.name == name } }

    /// strconv.ParseBool.
    package static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }

    package mutating func parse(_ arguments: [String]) throws(Failure) {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            if argument == "--" {
                positional += rest
                return
            }
            if argument.hasPrefix("--") {
                try parseLong(String(argument.dropFirst(2)), &rest)
            } else if argument.hasPrefix("-") && argument.count > 1 {
                try parseShorthands(String(argument.dropFirst()), &rest)
            } else {
                positional.append(argument)
            }
        }
    }

    /// A command's flags as Go's pflag commands take them: a bad flag prints
    /// the usage and the error (exit status 2), `--help` the usage (1). Nil
    /// when the command goes on.
    package mutating func parseCommandLine(program: String, _ arguments: [String]) -> Int32? {
        do { try parse(arguments) } catch {
            StandardStreams.error("Usage of \(program):\n\(usage)\(error)\n")
            return 2
        }
        if bool("help") {
            StandardStreams.error(usage)
            return 1
        }
        return nil
    }

    private mutating func parseLong(_ text: String, _ rest: inout ArraySlice<String>) throws(Failure) {
        let name: String, inline: String?
        if let eq = text.firstIndex(of: "=") {
            name = String(text[..<eq])
            inline = String(text[text.index(after: eq)...])
        } else {
            name = text
            inline = nil
        }
        if name.isEmpty || name.hasPrefix("-") || name.hasPrefix("=") {
            throw .message("bad flag syntax: --\(text)")
        }
        guard let flag = flag(name) else { throw .message("unknown flag: --\(name)") }
        if let inline {
            try set(flag, inline, spelled: "--\(name)")
        } else if flag.kind == .bool {
            try set(flag, "true", spelled: "--\(name)")
        } else if let next = rest.popFirst() {
            try set(flag, next, spelled: "--\(name)")
        } else {
            throw .message("flag needs an argument: --\(name)")
        }
    }

    /// `-abc` is `-a -b -c` for booleans; a string shorthand takes the rest of
    /// the argument (`-tthin`, `-t=thin`) or the next one.
    private mutating func parseShorthands(_ text: String, _ rest: inout ArraySlice<String>) throws(Failure) {
        var remaining = Substring(text)
        while let letter = remaining.first {
            remaining = remaining.dropFirst()
            guard let flag = flags.first(where: { $0.shorthand == letter }) else {
                throw .message("unknown shorthand flag: '\(letter)' in -\(text)")
            }
            if remaining.hasPrefix("=") {
                try set(flag, String(remaining.dropFirst()), spelled: "-\(letter)")
                return
            }
            if flag.kind == .bool {
                try set(flag, "true", spelled: "-\(letter)")
                continue
            }
            if !remaining.isEmpty {
                try set(flag, String(remaining), spelled: "-\(letter)")
            } else if let next = rest.popFirst() {
                try set(flag, next, spelled: "-\(letter)")
            } else {
                throw .message("flag needs an argument: '\(letter)' in -\(text)")
            }
            return
        }
    }

    private mutating func set(_ flag: Flag, _ value: String, spelled: String) throws(Failure) {
        var stored = value
        if flag.kind == .bool {
            guard let parsed = Self.parseBool(value) else {
                let shown = flag.shorthand.map { "-\($0), --\(flag.name)" } ?? "--\(flag.name)"
                throw .message("invalid argument \"\(value)\" for \"\(shown)\" flag: strconv.ParseBool: parsing \"\(value)\": invalid syntax")
            }
            stored = parsed ? "true" : "false"
        }
        values[flag.name] = stored
        given.insert(flag.name)
    }

    /// pflag's PrintDefaults: one line per visible flag, sorted by name,
    /// usages aligned three spaces after the longest `--name type`.
    package var usage: String {
        let visible = flags.filter { !$0.hidden }.sorted { $0.name < $1.name }
        let heads = visible.map { flag in
            (flag.shorthand.map { "  -\($0), --" } ?? "      --") + flag.name + (flag.kind == .string ? " string" : "")
        }
        let width = heads.map(\.count).max() ?? 0
        var text = ""
        for (flag, head) in zip(visible, heads) {
            var line = head + String(repeating: " ", count: width - head.count + 3) + flag.usage
            switch flag.kind {
            case .string where !flag.defaultValue.isEmpty: line += " (default \"\(flag.defaultValue)\")"
            case .bool where flag.defaultValue == "true": line += " (default true)"
            default: break
            }
            text += line + "\n"
        }
        return text
    }
}
