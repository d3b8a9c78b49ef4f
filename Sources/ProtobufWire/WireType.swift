/// The protobuf wire types this package reads and writes. Groups (3, 4) are
/// recognised only to be refused.
package enum WireType: UInt8, Sendable, CustomStringConvertible {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5

    package var description: String {
        switch self {
        case .varint: "varint"
        case .fixed64: "64-bit"
        case .lengthDelimited: "length-delimited"
        case .fixed32: "32-bit"
        }
    }
}

/// One field as it appears on the wire. Length-delimited payloads are slices
/// of the reader's buffer (no copy).
package struct WireField: Sendable {
    package enum Value: Sendable, Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case lengthDelimited(ArraySlice<UInt8>)
        case fixed32(UInt32)

        package var wireType: WireType {
            switch self {
            case .varint: .varint
            case .fixed64: .fixed64
            case .lengthDelimited: .lengthDelimited
            case .fixed32: .fixed32
            }
        }
    }

    package var number: Int
    package var value: Value
    /// The nesting depth of the message this field belongs to (0: the top).
    package var depth: Int
    /// How deep `message()` may go.
    package var depthLimit: Int

    package init(number: Int, value: Value, depth: Int = 0, depthLimit: Int = ProtobufReader.defaultDepthLimit) {
        self.number = number
        self.value = value
        self.depth = depth
        self.depthLimit = depthLimit
    }
}
