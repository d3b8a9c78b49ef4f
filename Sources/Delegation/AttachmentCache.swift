import CNISpec

/// One delegate attachment as planned by the meta-plugin: everything DEL needs
/// to undo it without asking anybody (the API server may be gone by then).
public struct CachedAttachment: Sendable, Equatable {
    /// The name network-status shows: `<namespace>/<nad>` or the config's name.
    public var network: String
    public var ifName: String
    public var config: JSONValue
    public var args: CNIArgs
    public var capabilityArgs: JSONObject
    public var isMaster: Bool
    /// Room for what later features record per attachment (device-info file, …).
    public var extra: JSONObject

    public init(network: String, ifName: String, config: JSONValue, args: CNIArgs, capabilityArgs: JSONObject,
                isMaster: Bool, extra: JSONObject = JSONObject()) {
        self.network = network
        self.ifName = ifName
        self.config = config
        self.args = args
        self.capabilityArgs = capabilityArgs
        self.isMaster = isMaster
        self.extra = extra
    }

    var json: JSONValue {
        .object(JSONObject([
            ("network", .string(network)), ("ifName", .string(ifName)), ("master", .bool(isMaster)),
            ("config", config), ("cniArgs", args.json), ("capabilityArgs", .object(capabilityArgs)),
            ("extra", .object(extra)),
        ]))
    }

    init?(json: JSONValue) {
        guard let network = json["network"]?.stringValue, let ifName = json["ifName"]?.stringValue,
              let config = json["config"], config.objectValue != nil else { return nil }
        self.init(network: network, ifName: ifName, config: config, args: CNIArgs(json: json["cniArgs"]),
                  capabilityArgs: json["capabilityArgs"]?.objectValue ?? JSONObject(),
                  isMaster: json["master"]?.boolValue ?? false, extra: json["extra"]?.objectValue ?? JSONObject())
    }
}

/// The multus scratch cache of one container: its attachments in ADD order.
public struct AttachmentRecord: Sendable, Equatable {
    public var containerID: String
    public var netns: String
    public var attachments: [CachedAttachment]

    public init(containerID: String, netns: String, attachments: [CachedAttachment]) {
        self.containerID = containerID
        self.netns = netns
        self.attachments = attachments
    }
}

/// `<cniDir>/<containerID>`, written before the first delegate runs, so a crash
/// mid-ADD still leaves DEL a list of what may need undoing.
public struct AttachmentCache: Sendable {
    public static let kind = "multusSwiftAttachmentsV1"
    public var cniDir: String

    public init(cniDir: String) { self.cniDir = cniDir }

    public func path(containerID: String) -> String { FileIO.join(cniDir, containerID) }

    public func save(_ record: AttachmentRecord) throws(CNIError) {
        let json: JSONValue = .object(JSONObject([
            ("kind", .string(Self.kind)), ("containerId", .string(record.containerID)), ("netns", .string(record.netns)),
            ("attachments", .array(record.attachments.map(\.json))),
        ]))
        try FileIO.writeAtomically(path(containerID: record.containerID), json.serializedBytes)
    }

    public enum LoadOutcome: Sendable, Equatable {
        case missing
        /// Present but not ours or damaged (an older Multus's cache, a torn disk).
        case unreadable(String)
        case found(AttachmentRecord)
    }

    public func load(containerID: String) -> LoadOutcome {
        let file = path(containerID: containerID)
        let bytes: [UInt8]?
        do { bytes = try FileIO.read(file) } catch { return .unreadable(error.msg) }
        guard let bytes else { return .missing }
        guard let json = try? JSONValue(parsing: bytes), json["kind"]?.stringValue == Self.kind,
              let list = json["attachments"]?.arrayValue else {
            return .unreadable("\(file) is not a multus-swift attachment cache")
        }
        var attachments: [CachedAttachment] = []
        for element in list {
            guard let attachment = CachedAttachment(json: element) else {
                return .unreadable("\(file) holds a malformed attachment")
            }
            attachments.append(attachment)
        }
        return .found(AttachmentRecord(containerID: json["containerId"]?.stringValue ?? containerID,
                                       netns: json["netns"]?.stringValue ?? "", attachments: attachments))
    }

    public func remove(containerID: String) throws(CNIError) {
        try FileIO.remove(path(containerID: containerID))
    }

    /// Container IDs that have a scratch cache (for GC).
    public func containerIDs() -> [String] {
        FileIO.list(cniDir).filter { name in
            !name.contains(".tmp-") && (try? Validation.containerID(name)) != nil
                && !FileIO.isDirectory(FileIO.join(cniDir, name))
        }
    }
}
