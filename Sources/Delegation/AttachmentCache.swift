import CNISpec
import SystemSupport

/// One delegate attachment as planned by the meta-plugin: everything DEL needs
/// to undo it without asking anybody (the API server may be gone by then).
package struct CachedAttachment: Sendable, Equatable {
    /// The name network-status shows: `<namespace>/<nad>` or the config's name.
    package var network: String
    package var ifName: String
    package var config: JSONValue
    package var args: CNIArgs
    package var capabilityArgs: JSONObject
    package var isMaster: Bool
    /// Room for what later features record per attachment (device-info file, …).
    package var extra: JSONObject

    package init(network: String, ifName: String, config: JSONValue, args: CNIArgs, capabilityArgs: JSONObject,
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
package struct AttachmentRecord: Sendable, Equatable {
    package var containerID: String
    package var netns: String
    package var attachments: [CachedAttachment]

    package init(containerID: String, netns: String, attachments: [CachedAttachment]) {
        self.containerID = containerID
        self.netns = netns
        self.attachments = attachments
    }
}

/// `<cniDir>/<containerID>`, written before the first delegate runs, so a crash
/// mid-ADD still leaves DEL a list of what may need undoing.
package struct AttachmentCache: Sendable {
    package static let kind = "multusSwiftAttachmentsV1"
    package var cniDir: String

    package init(cniDir: String) { self.cniDir = cniDir }

    package func path(containerID: String) -> String { Paths.join(cniDir, containerID) }

    package func save(_ record: AttachmentRecord) throws(CNIError) {
        let json: JSONValue = .object(JSONObject([
            ("kind", .string(Self.kind)), ("containerId", .string(record.containerID)), ("netns", .string(record.netns)),
            ("attachments", .array(record.attachments.map(\.json))),
        ]))
        do { try FileSystem.writeAtomically(path(containerID: record.containerID), json.serializedBytes, sync: true) } catch {
            throw error.cniError
        }
    }

    package enum LoadOutcome: Sendable, Equatable {
        case missing
        /// Present but not ours or damaged (an older Multus's cache, a torn disk).
        case unreadable(String)
        case found(AttachmentRecord)
    }

    package func load(containerID: String) -> LoadOutcome {
        let file = path(containerID: containerID)
        let bytes: [UInt8]?
        do { bytes = try FileSystem.read(file) } catch { return .unreadable(error.description) }
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

    package func remove(containerID: String) throws(CNIError) {
        do { try FileSystem.remove(path(containerID: containerID)) } catch { throw error.cniError }
    }

    /// Container IDs that have a scratch cache (for GC).
    package func containerIDs() -> [String] {
        FileSystem.list(cniDir).filter { name in
            !name.contains(".tmp-") && (try? Validation.containerID(name)) != nil
                && !FileSystem.isDirectory(Paths.join(cniDir, name))
        }
    }
}
