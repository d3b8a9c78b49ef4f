import CNISpec

/// Request bodies in Kubernetes' protobuf encoding
/// (`application/vnd.kubernetes.protobuf`), turned into the JSON the store
/// speaks. Go's client-go, as Go Multus configures it, sends core objects that
/// way: the pods/status update that writes network-status and the events it
/// records. The real API server decodes them; without this the double answered
/// 400 and Go Multus's ADD failed.
///
/// Wire format (k8s.io/apimachinery runtime/serializer/protobuf): the magic
/// `k8s\0`, then a `runtime.Unknown` {typeMeta = 1 {apiVersion = 1, kind = 2},
/// raw = 2, contentEncoding = 3, contentType = 4} whose `raw` is the object's
/// message. Decoded here: Event in full; for a Pod, `metadata` (what Multus
/// changes) — `spec` and `status` are taken from the stored object, since
/// decoding them would need the whole core/v1 schema. Responses stay JSON, which
/// client-go accepts (its Accept header lists application/json after protobuf).
enum KubeProtobuf {
    static let mediaType = "application/vnd.kubernetes.protobuf"
    static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]

    struct DecodeError: Error {}

    /// One field's value as the wire carries it.
    enum WireValue {
        case varint(UInt64)
        case bytes(ArraySlice<UInt8>)
        case fixed(UInt64)
    }

    /// The fields of one message, in wire order.
    static func fields(_ bytes: ArraySlice<UInt8>) throws(DecodeError) -> [(Int, WireValue)] {
        var out: [(Int, WireValue)] = []
        var i = bytes.startIndex
        func varint() throws(DecodeError) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard i < bytes.endIndex, shift < 64 else { throw DecodeError() }
                let byte = bytes[i]
                i += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
        while i < bytes.endIndex {
            let key = try varint()
            let field = Int(key >> 3)
            switch key & 7 {
            case 0: out.append((field, .varint(try varint())))
            case 1, 5:
                let width = key & 7 == 1 ? 8 : 4
                guard bytes.endIndex - i >= width else { throw DecodeError() }
                var value: UInt64 = 0
                for k in 0..<width { value |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
                i += width
                out.append((field, .fixed(value)))
            case 2:
                let length = Int(try varint())
                guard length >= 0, bytes.endIndex - i >= length else { throw DecodeError() }
                out.append((field, .bytes(bytes[i..<(i + length)])))
                i += length
            default: throw DecodeError()
            }
        }
        return out
    }

    /// What a field holds, enough to write it as the JSON API would.
    indirect enum FieldType {
        case string, int, bool, time, microTime, stringMap
        case message(Schema)
    }

    struct Schema {
        /// field number → (JSON name, type, repeated)
        var fields: [Int: (name: String, type: FieldType, repeated: Bool)]
    }

    /// A message as a JSON object. Zero values are left out, as the JSON
    /// encoding's `omitempty` does; unknown fields are skipped.
    static func object(_ bytes: ArraySlice<UInt8>, _ schema: Schema) throws(DecodeError) -> JSONObject {
        var object = JSONObject()
        for (number, wire) in try fields(bytes) {
            guard let field = schema.fields[number], let value = try json(wire, field.type) else { continue }
            if field.repeated {
                object[field.name] = .array((object[field.name]?.arrayValue ?? []) + [value])
            } else if case .stringMap = field.type, case .object(let entry) = value {
                var map = object[field.name]?.objectValue ?? JSONObject()
                for member in entry { map[member.key] = member.value }
                object[field.name] = .object(map)
            } else {
                object[field.name] = value
            }
        }
        return object
    }

    static func json(_ wire: WireValue, _ type: FieldType) throws(DecodeError) -> JSONValue? {
        switch (type, wire) {
        case (.string, .bytes(let b)):
            return b.isEmpty ? nil : .string(String(decoding: b, as: UTF8.self))
        case (.int, .varint(let v)):
            return v == 0 ? nil : .int(Int(Int64(bitPattern: v)))
        case (.bool, .varint(let v)):
            return v == 0 ? nil : .bool(true)
        case (.time, .bytes(let b)), (.microTime, .bytes(let b)):
            var seconds: Int64 = 0, nanos: Int64 = 0
            for (number, value) in try fields(b) {
                guard case .varint(let v) = value else { continue }
                if number == 1 { seconds = Int64(bitPattern: v) } else if number == 2 { nanos = Int64(bitPattern: v) }
            }
            if seconds == 0 && nanos == 0 { return nil }
            return .string(rfc3339(seconds: seconds, micros: { if case .microTime = type { nanos / 1000 } else { nil } }()))
        case (.stringMap, .bytes(let b)):
            var key = "", value = ""
            for (number, field) in try fields(b) {
                guard case .bytes(let text) = field else { continue }
                if number == 1 { key = String(decoding: text, as: UTF8.self) } else if number == 2 { value = String(decoding: text, as: UTF8.self) }
            }
            return .object(JSONObject([(key, .string(value))]))
        case (.message(let schema), .bytes(let b)):
            let object = try object(b, schema)
            return object.isEmpty ? nil : .object(object)
        default:
            throw DecodeError()
        }
    }

    /// `2006-01-02T15:04:05Z` (metav1.Time) or with six fractional digits (metav1.MicroTime).
    static func rfc3339(seconds: Int64, micros: Int64?) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ n: Int64, _ width: Int) -> String {
            let text = String(n)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if let micros { text += "." + pad(micros, 6) }
        return text + "Z"
    }

    // MARK: schemas (k8s.io/api/core/v1 and apimachinery meta/v1 generated.proto)

    static let ownerReference = Schema(fields: [
        5: ("apiVersion", .string, false), 1: ("kind", .string, false), 3: ("name", .string, false),
        4: ("uid", .string, false), 6: ("controller", .bool, false), 7: ("blockOwnerDeletion", .bool, false),
    ])
    static let objectMeta = Schema(fields: [
        1: ("name", .string, false), 2: ("generateName", .string, false), 3: ("namespace", .string, false),
        4: ("selfLink", .string, false), 5: ("uid", .string, false), 6: ("resourceVersion", .string, false),
        7: ("generation", .int, false), 8: ("creationTimestamp", .time, false),
        9: ("deletionTimestamp", .time, false), 10: ("deletionGracePeriodSeconds", .int, false),
        11: ("labels", .stringMap, false), 12: ("annotations", .stringMap, false),
        13: ("ownerReferences", .message(ownerReference), true), 14: ("finalizers", .string, true),
    ])
    static let objectReference = Schema(fields: [
        1: ("kind", .string, false), 2: ("namespace", .string, false), 3: ("name", .string, false),
        4: ("uid", .string, false), 5: ("apiVersion", .string, false), 6: ("resourceVersion", .string, false),
        7: ("fieldPath", .string, false),
    ])
    static let event = Schema(fields: [
        1: ("metadata", .message(objectMeta), false), 2: ("involvedObject", .message(objectReference), false),
        3: ("reason", .string, false), 4: ("message", .string, false),
        5: ("source", .message(Schema(fields: [1: ("component", .string, false), 2: ("host", .string, false)])), false),
        6: ("firstTimestamp", .time, false), 7: ("lastTimestamp", .time, false), 8: ("count", .int, false),
        9: ("type", .string, false), 10: ("eventTime", .microTime, false),
        11: ("series", .message(Schema(fields: [1: ("count", .int, false), 2: ("lastObservedTime", .microTime, false)])), false),
        12: ("action", .string, false), 13: ("related", .message(objectReference), false),
        14: ("reportingComponent", .string, false), 15: ("reportingInstance", .string, false),
    ])
    /// Only metadata: spec and status come from the stored pod (see above).
    static let podMetadataOnly = Schema(fields: [1: ("metadata", .message(objectMeta), false)])

    /// The JSON object a protobuf body stands for, or nil when it is not one
    /// this double can read. `stored` is the object at the request's path.
    static func json(fromBody body: [UInt8], stored: JSONValue?) -> JSONValue? {
        guard body.starts(with: magic) else { return nil }
        do {
            var apiVersion = "", kind = ""
            var raw: ArraySlice<UInt8> = []
            for (number, value) in try fields(body[magic.count...]) {
                guard case .bytes(let b) = value else { continue }
                if number == 1 {
                    for (n, v) in try fields(b) {
                        guard case .bytes(let text) = v else { continue }
                        if n == 1 { apiVersion = String(decoding: text, as: UTF8.self) }
                        if n == 2 { kind = String(decoding: text, as: UTF8.self) }
                    }
                } else if number == 2 {
                    raw = b
                }
            }
            var object = JSONObject([("kind", .string(kind)), ("apiVersion", .string(apiVersion))])
            switch kind {
            case "Event":
                for member in try self.object(raw, event) { object[member.key] = member.value }
            case "Pod":
                object["metadata"] = .object(try self.object(raw, podMetadataOnly)["metadata"]?.objectValue ?? JSONObject())
                object["spec"] = stored?["spec"]
                object["status"] = stored?["status"]
            default:
                return nil
            }
            return .object(object)
        } catch {
            return nil
        }
    }
}

extension DoubleRequest {
    /// This request with a protobuf body replaced by its JSON (content type
    /// `application/json`); any other request unchanged.
    func decodingProtobuf(store: ObjectStore) -> DoubleRequest {
        guard let type = contentType?.split(separator: ";").first, type.lowercased() == KubeProtobuf.mediaType else { return self }
        let stored = APIPath(path)?.objectPath.flatMap { store.objects[$0] }
        guard let json = KubeProtobuf.json(fromBody: body, stored: stored) else { return self }
        var request = self
        request.body = json.serializedBytes
        request.contentType = "application/json"
        return request
    }
}
