import CNISpec

/// Builds `JSONValue`s from libyaml's events without recursion: mappings keep
/// their member order, anchors are expanded where aliased (YAML merge keys
/// `<<` included), and every node produced, aliases in full, counts against
/// `YAMLLimits`, as does nesting depth.
struct YAMLComposer {
    private struct Anchor {
        var value: JSONValue
        var nodes: Int
        var height: Int
    }

    private enum Key {
        case none
        case member(String)
        case merge
    }

    private struct Frame {
        var isMapping: Bool
        var anchor: String?
        var items: [JSONValue] = []
        var object = JSONObject()
        var key = Key.none
        /// Members written by the mapping itself: a merge never overrides them.
        var explicitKeys: Set<String> = []
        var nodes = 1
        var height = 1
        var line: Int
        var column: Int
    }

    let limits: YAMLLimits
    private var stack: [Frame] = []
    private var anchors: [String: Anchor] = [:]
    private var produced = 0
    private var root: JSONValue?
    private var line = 1
    private var column = 1

    init(limits: YAMLLimits) { self.limits = limits }

    /// Every document of the stream; an empty document is `null`.
    static func documents(_ bytes: [UInt8], limits: YAMLLimits) throws(YAMLError) -> [JSONValue] {
        try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLError) -> [JSONValue] in
            var reader = YAMLEventReader(input: buffer)
            var composer = YAMLComposer(limits: limits)
            var documents: [JSONValue] = []
            while true {
                let event = try reader.next()
                composer.line = reader.line
                composer.column = reader.column
                switch event {
                case .streamStart: continue
                case .streamEnd: return documents
                case .documentStart:
                    composer.anchors = [:]  // anchors are scoped to their document
                    composer.root = nil
                case .documentEnd:
                    documents.append(composer.root ?? .null)
                default:
                    try composer.handle(event)
                }
            }
        }
    }

    private func fail(_ problem: String) -> YAMLError { YAMLError(line: line, column: column, problem: problem) }

    private mutating func count(_ nodes: Int) throws(YAMLError) {
        produced += nodes
        if produced > limits.maximumNodes {
            throw fail("the document expands to more than \(limits.maximumNodes) nodes (aliases included)")
        }
    }

    private mutating func handle(_ event: YAMLEvent) throws(YAMLError) {
        switch event {
        case .scalar(let text, let anchor, let tag, let plain):
            try count(1)
            if stack.last?.isMapping == true, case .none = stack[stack.count - 1].key,
               plain && text == "<<" || tag == YAMLScalar.tagPrefix + "merge" {
                stack[stack.count - 1].key = .merge
                return
            }
            let value: JSONValue
            switch YAMLScalar.resolve(text, tag: tag, plain: plain) {
            case .value(let v): value = v
            case .nonFinite: throw fail("an infinite or NaN number cannot be represented in JSON")
            case .mismatch(let expected): throw fail("the scalar is not a valid \(expected)")
            }
            if let anchor { anchors[anchor] = Anchor(value: value, nodes: 1, height: 1) }
            try deliver(value, nodes: 1, height: 1)
        case .alias(let name):
            guard let anchor = anchors[name] else { throw fail("an alias refers to an anchor that is not defined before it") }
            try count(anchor.nodes)
            if stack.count + anchor.height > limits.maximumDepth {
                throw fail("nesting deeper than \(limits.maximumDepth) levels")
            }
            try deliver(anchor.value, nodes: anchor.nodes, height: anchor.height)
        case .sequenceStart(let anchor), .mappingStart(let anchor):
            try count(1)
            guard stack.count < limits.maximumDepth else { throw fail("nesting deeper than \(limits.maximumDepth) levels") }
            if case .mappingStart = event {
                stack.append(Frame(isMapping: true, anchor: anchor, line: line, column: column))
            } else {
                stack.append(Frame(isMapping: false, anchor: anchor, line: line, column: column))
            }
        case .sequenceEnd, .mappingEnd:
            let frame = stack.removeLast()
            let value: JSONValue = frame.isMapping ? .object(frame.object) : .array(frame.items)
            if let anchor = frame.anchor { anchors[anchor] = Anchor(value: value, nodes: frame.nodes, height: frame.height) }
            try deliver(value, nodes: frame.nodes, height: frame.height)
        case .streamStart, .streamEnd, .documentStart, .documentEnd:
            break
        }
    }

    /// A finished node goes to its parent: an item, a key, a value, or a merge.
    private mutating func deliver(_ value: JSONValue, nodes: Int, height: Int) throws(YAMLError) {
        guard !stack.isEmpty else {
            root = value
            return
        }
        let top = stack.count - 1
        stack[top].nodes += nodes
        stack[top].height = max(stack[top].height, height + 1)
        guard stack[top].isMapping else {
            stack[top].items.append(value)
            return
        }
        switch stack[top].key {
        case .none:
            guard let key = YAMLScalar.keyText(value) else {
                throw fail(value.objectValue != nil || value.arrayValue != nil
                    ? "a mapping key must be a scalar" : "a mapping key must not be null")
            }
            stack[top].key = .member(key)
        case .member(let key):
            stack[top].object[key] = value
            stack[top].explicitKeys.insert(key)
            stack[top].key = .none
        case .merge:
            stack[top].key = .none
            try merge(value, into: top)
        }
    }

    /// `<<: *base` or `<<: [*a, *b]`: members the mapping does not set itself;
    /// of several merged mappings the earlier wins, as the merge-key spec says.
    private mutating func merge(_ value: JSONValue, into index: Int) throws(YAMLError) {
        let sources: [JSONValue]
        switch value {
        case .object: sources = [value]
        case .array(let items): sources = items
        default: throw fail("a merge key (<<) needs a mapping or a sequence of mappings")
        }
        var merged: Set<String> = []
        for source in sources {
            guard case .object(let object) = source else {
                throw fail("a merge key (<<) needs a mapping or a sequence of mappings")
            }
            for member in object where !stack[index].explicitKeys.contains(member.key) && !merged.contains(member.key) {
                stack[index].object[member.key] = member.value
                merged.insert(member.key)
            }
        }
    }
}
