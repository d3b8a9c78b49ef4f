/// The daemon's command line as Go's standard `flag` package parses it:
/// `-config FILE`, `--config FILE`, `-config=FILE`, `-version`; flags end at
/// the first argument that is not one (or `--`); `-h`/`-help` print the usage.
struct DaemonFlags: Equatable {
    var config = DaemonConfig.defaultPath
    var version = false
    var help = false

    enum Failure: Error, Equatable { case message(String) }

    static let usage = """
        Usage of multus-daemon:
          -config string
            \tSpecify the path to the multus-daemon configuration (default "\(DaemonConfig.defaultPath)")
          -version
            \tShow version

        """

    static func parse(_ arguments: [String]) throws(Failure) -> DaemonFlags {
        var flags = DaemonFlags()
        var rest = arguments[...]
        while let argument = rest.first, argument.hasPrefix("-"), argument != "-" {
            rest = rest.dropFirst()
            if argument == "--" { break }
            var name = String(argument.drop { $0 == "-" })
            if argument.hasPrefix("---") || name.isEmpty || name.hasPrefix("=") { throw .message("bad flag syntax: \(argument)") }
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            switch name {
            case "config":
                if value == nil {
                    guard let next = rest.first else { throw .message("flag needs an argument: -config") }
                    value = next
                    rest = rest.dropFirst()
                }
                flags.config = value!
            case "version":
                switch value {
                case nil, "1", "t", "T", "true", "TRUE", "True": flags.version = true
                case "0", "f", "F", "false", "FALSE", "False": flags.version = false
                default: throw .message("invalid boolean value \"\(value!)\" for -version: parse error")
                }
            case "h", "help":
                flags.help = true
            default:
                throw .message("flag provided but not defined: -\(name)")
            }
        }
        return flags
    }
}
