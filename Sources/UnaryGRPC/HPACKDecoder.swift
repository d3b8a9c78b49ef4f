/// An HPACK decoder (RFC 7541): indexed fields, literals with and without
/// indexing (and never-indexed), Huffman strings, and the dynamic table with
/// its size updates. One per connection: header blocks must be decoded in
/// the order they arrive, as they change the table.
struct HPACKDecoder {
    typealias Header = (name: String, value: String)

    /// A field as octets: table sizes count octets (§4.1), whatever their encoding.
    struct Field {
        var name: [UInt8]
        var value: [UInt8]
        var size: Int { name.count + value.count + 32 }
        var header: Header { (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)) }
    }

    /// The most the peer may set the table to: our SETTINGS_HEADER_TABLE_SIZE.
    let maxAllowedTableSize: Int
    /// A bound on one decoded header list (name + value + 32 per field).
    let maxHeaderListSize: Int
    private(set) var tableSize = 0
    private(set) var maxTableSize: Int
    /// Newest first, as HPACK indexes it (index 62 is `dynamic[0]`).
    private(set) var dynamic: [Field] = []

    init(maxTableSize: Int = 4096, maxHeaderListSize: Int = 65_536) {
        self.maxAllowedTableSize = maxTableSize
        self.maxTableSize = maxTableSize
        self.maxHeaderListSize = maxHeaderListSize
    }

    mutating func decode(_ block: [UInt8]) throws(UnaryGRPCError) -> [Header] {
        var fields: [Field] = []
        var listSize = 0
        var input = block[...]
        while let first = input.first {
            let field: Field
            if first & 0x80 != 0 {                       // 1xxxxxxx indexed field (§6.1)
                field = try entry(try integer(&input, prefix: 7))
            } else if first & 0xC0 == 0x40 {              // 01xxxxxx literal, incremental indexing (§6.2.1)
                field = try literal(&input, prefix: 6)
                insert(field)
            } else if first & 0xE0 == 0x20 {              // 001xxxxx dynamic table size update (§6.3, §4.2)
                guard fields.isEmpty else { throw .compression("a table size update after the first field of a block") }
                let size = try integer(&input, prefix: 5)
                guard size <= maxAllowedTableSize else {
                    throw .compression("table size update to \(size), over the \(maxAllowedTableSize) allowed")
                }
                maxTableSize = size
                evict(toFit: 0)
                continue
            } else {                                      // 0000xxxx / 0001xxxx without / never indexed (§6.2.2, §6.2.3)
                field = try literal(&input, prefix: 4)
            }
            listSize += field.size
            guard listSize <= maxHeaderListSize else {
                throw .compression("the header list exceeds \(maxHeaderListSize) bytes")
            }
            fields.append(field)
        }
        return fields.map(\.header)
    }

    /// An N-bit-prefix integer (§5.1), bounded so that it cannot overflow.
    private func integer(_ input: inout ArraySlice<UInt8>, prefix: Int) throws(UnaryGRPCError) -> Int {
        guard let first = input.popFirst() else { throw .compression("truncated integer") }
        let mask = (1 << prefix) - 1
        var value = Int(first) & mask
        guard value == mask else { return value }
        var shift = 0
        while true {
            guard let byte = input.popFirst() else { throw .compression("truncated integer") }
            value += Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
            guard shift <= 28 else { throw .compression("integer too large") }
        }
    }

    /// A string literal (§5.2): H bit, 7-bit-prefix length, raw or Huffman octets.
    private func string(_ input: inout ArraySlice<UInt8>) throws(UnaryGRPCError) -> [UInt8] {
        guard let first = input.first else { throw .compression("truncated string literal") }
        let huffman = first & 0x80 != 0
        let length = try integer(&input, prefix: 7)
        guard length <= input.count else {
            throw .compression("a string literal of \(length) bytes with \(input.count) left in the block")
        }
        let raw = input.prefix(length)
        input = input.dropFirst(length)
        guard huffman else { return Array(raw) }
        do { return try Huffman.decode(raw) } catch { throw .compression(error.description) }
    }

    /// A literal field: its name by index (N-bit prefix) or as a string, then the value.
    private func literal(_ input: inout ArraySlice<UInt8>, prefix: Int) throws(UnaryGRPCError) -> Field {
        let index = try integer(&input, prefix: prefix)
        let name = index == 0 ? try string(&input) : try entry(index).name
        return Field(name: name, value: try string(&input))
    }

    private func entry(_ index: Int) throws(UnaryGRPCError) -> Field {
        let statics = HPACKStaticTable.entries
        if index >= 1 && index <= statics.count {
            return Field(name: Array(statics[index - 1].name.utf8), value: Array(statics[index - 1].value.utf8))
        }
        let d = index - statics.count - 1
        guard index > 0, d < dynamic.count else {
            throw .compression("index \(index) is in neither table (the dynamic table has \(dynamic.count) entries)")
        }
        return dynamic[d]
    }

    /// §4.4: evict from the oldest until the new entry fits; an entry larger
    /// than the whole table empties it and is not added.
    private mutating func insert(_ field: Field) {
        evict(toFit: field.size)
        guard field.size <= maxTableSize else { return }
        dynamic.insert(field, at: 0)
        tableSize += field.size
    }

    private mutating func evict(toFit size: Int) {
        while tableSize + size > maxTableSize, let oldest = dynamic.popLast() {
            tableSize -= oldest.size
        }
    }
}
