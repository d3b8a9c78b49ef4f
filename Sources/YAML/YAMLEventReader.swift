import CYAML

/// One parser event of libyaml, copied out of its C structure.
enum YAMLEvent {
    case streamStart, streamEnd, documentStart, documentEnd
    case alias(anchor: String)
    /// `plain` is an untagged plain scalar (the one kind the resolver types);
    /// `tag` is libyaml's expanded tag (`tag:yaml.org,2002:str`, `!`, …).
    case scalar(value: String, anchor: String?, tag: String?, plain: Bool)
    case sequenceStart(anchor: String?)
    case sequenceEnd
    case mappingStart(anchor: String?)
    case mappingEnd
}

/// libyaml's parser over a byte buffer that outlives it. The buffer is
/// borrowed: the caller keeps it alive (and unmoved) until `close()`.
struct YAMLEventReader: ~Copyable {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private var event = yaml_event_t()

    init(input: UnsafeBufferPointer<UInt8>) {
        parser = .allocate(capacity: 1)
        yaml_parser_initialize(parser)
        yaml_parser_set_input_string(parser, input.baseAddress ?? UnsafePointer(bitPattern: 1)!, input.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
    }

    /// Where the event just returned starts (1-based).
    private(set) var line = 1
    private(set) var column = 1

    mutating func next() throws(YAMLError) -> YAMLEvent {
        guard yaml_parser_parse(parser, &event) == 1 else {
            // libyaml's problems are fixed phrases ("mapping values are not allowed in
            // this context"); they never contain the input.
            let mark = parser.pointee.problem_mark
            let problem = parser.pointee.problem.map { String(cString: $0) } ?? "invalid YAML"
            throw YAMLError(line: Int(mark.line) + 1, column: Int(mark.column) + 1, problem: problem)
        }
        defer { yaml_event_delete(&event) }
        line = Int(event.start_mark.line) + 1
        column = Int(event.start_mark.column) + 1
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_STREAM_END_EVENT: return .streamEnd
        case YAML_DOCUMENT_START_EVENT: return .documentStart
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_ALIAS_EVENT: return .alias(anchor: Self.text(event.data.alias.anchor) ?? "")
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let value = scalar.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
            } ?? ""
            let tag = Self.text(scalar.tag)
            return .scalar(value: value, anchor: Self.text(scalar.anchor), tag: tag,
                           plain: tag == nil && scalar.plain_implicit != 0 && scalar.style == YAML_PLAIN_SCALAR_STYLE)
        case YAML_SEQUENCE_START_EVENT: return .sequenceStart(anchor: Self.text(event.data.sequence_start.anchor))
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT: return .mappingStart(anchor: Self.text(event.data.mapping_start.anchor))
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        default: throw YAMLError(line: line, column: column, problem: "unexpected parser event")
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
}
