import CNISpec
import SystemSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The cluster as a folder of manifests (`.yaml`, `.yml`, `.json`; several
/// documents per file and `kind: List` files allowed): Pods,
/// NetworkAttachmentDefinitions, ResourceClaims, ResourceSlices.
/// network-status is written back into the pod's own file and events are
/// appended to `events.jsonl`. For local runs (the demo, cnitool, podman)
/// where no API server exists.
package struct ManifestDirectoryClusterState: ClusterState {
    package let directory: String
    /// Held by every writer for its read-modify-write; never renamed, so all
    /// writers lock the same inode (renaming the manifest itself over its old
    /// inode let concurrent writers lock different ones and lose updates).
    package static let lockFileName = ".multus-swift.lock"

    package init(directory: String) { self.directory = directory }

    package func pod(_ key: ObjectKey) throws(KubeError) -> Pod? {
        try find(kind: "Pod", key).map(Pod.init(json:))
    }

    package func networkAttachmentDefinitions(_ keys: [ObjectKey]) -> [Result<NetworkAttachmentDefinition?, KubeError>] {
        let all = Result { () throws(KubeError) in try objects() }
        return keys.map { key in
            all.map { objects in
                objects.first { ManifestFile.matches($0, kind: "NetworkAttachmentDefinition", key) }
                    .map(NetworkAttachmentDefinition.init(json:))
            }
        }
    }

    package func resourceClaims(_ keys: [ObjectKey]) -> [Result<ResourceClaim?, KubeError>] {
        let all = Result { () throws(KubeError) in try objects() }
        return keys.map { key in
            all.map { objects in objects.first { ManifestFile.matches($0, kind: "ResourceClaim", key) }.map(ResourceClaim.init(json:)) }
        }
    }

    package func resourceSlices(nodeName: String, drivers: [String]) -> [Result<[ResourceSlice], KubeError>] {
        let all = Result { () throws(KubeError) in try objects() }
        return drivers.map { driver in
            all.map { objects in
                objects.filter { $0["kind"]?.stringValue == "ResourceSlice" }.map(ResourceSlice.init(json:))
                    .filter { $0.nodeName == nodeName && $0.driver == driver }
            }
        }
    }

    package func write(_ writes: [ClusterWrite]) -> [Result<Void, KubeError>] {
        writes.map { write in
            Result { () throws(KubeError) in
                switch write {
                case .networkStatus(let pod, let value): try setNetworkStatus(of: pod, to: value)
                case .event(let event): try postEvent(event)
                case .claimDeviceStatus(let status): try setDeviceStatus(status)
                }
            }
        }
    }

    package func shutdown() {}

    // MARK: reading

    /// The manifest files, sorted by name.
    func files() throws(KubeError) -> [String] {
        let folder: Directory
        do { folder = try Directory(opening: directory) } catch {
            throw .configuration("manifestDir \(directory) cannot be read: \(error.reason)")
        }
        return folder.list().filter(ManifestFile.isManifest).map { Paths.join(directory, $0) }
    }

    /// Every object of the folder, in file order.
    func objects() throws(KubeError) -> [JSONValue] {
        var result: [JSONValue] = []
        for file in try files() { result += try ManifestFile(reading: file).objects.map(\.object) }
        return result
    }

    private func find(kind: String, _ key: ObjectKey) throws(KubeError) -> JSONValue? {
        try objects().first { ManifestFile.matches($0, kind: kind, key) }
    }

    // MARK: writing

    func setNetworkStatus(of pod: ObjectKey, to value: String) throws(KubeError) {
        try rewrite(kind: "Pod", pod, resource: "pods") { (object: inout JSONValue, path: String) throws(KubeError) in
            var metadata = object["metadata"] ?? [:]
            var annotations = metadata["annotations"] ?? [:]
            if annotations.isNull { annotations = [:] }
            // Setting a member of anything else would do nothing, and report success.
            guard annotations.objectValue != nil else {
                throw .decoding("manifestDir file \(path): pod \(pod) has metadata.annotations that are not a mapping")
            }
            annotations["k8s.v1.cni.cncf.io/network-status"] = .string(value)
            metadata["annotations"] = annotations
            object["metadata"] = metadata
        }
    }

    /// The claim's `status.devices[]` in its file: our entries set, released ones cleared, the rest kept.
    func setDeviceStatus(_ status: ClaimDeviceStatus) throws(KubeError) {
        try rewrite(kind: "ResourceClaim", status.claim, resource: "resourceclaims.resource.k8s.io") {
            (object: inout JSONValue, _: String) throws(KubeError) in
            object = try status.merged(into: object)
        }
    }

    /// Changes one object in its file, under the folder's lock: the file read
    /// is the latest one, no other writer is between read and rename.
    private func rewrite(kind: String, _ key: ObjectKey, resource: String,
                         _ change: (inout JSONValue, _ path: String) throws(KubeError) -> Void) throws(KubeError) {
        let lock: FileLock
        do { lock = try FileLock(path: Paths.join(directory, Self.lockFileName)) } catch {
            throw .transport("manifestDir \(directory): cannot lock \(Self.lockFileName): \(error.reason)")
        }
        let outcome = Result { () throws(KubeError) in try rewriteLocked(kind: kind, key, resource: resource, change) }
        _ = consume lock  // held until the rename is done
        try outcome.get()
    }

    private func rewriteLocked(kind: String, _ key: ObjectKey, resource: String,
                               _ change: (inout JSONValue, _ path: String) throws(KubeError) -> Void) throws(KubeError) {
        for path in try files() {
            var file = try ManifestFile(reading: path)
            guard let location = file.location(of: kind, key) else { continue }
            var object = file[location]
            try change(&object, path)
            file[location] = object
            do {
                try Directory(opening: directory).writeAtomically(Paths.baseName(of: path), file.serialized, mode: 0o644)
            } catch {
                throw .transport("cannot write \(path): \(error.reason)")
            }
            return
        }
        throw .status(code: 404, reason: "NotFound", message: "\(resource) \"\(key.name)\" not found in \(directory)")
    }

    func postEvent(_ event: PodEvent) throws(KubeError) {
        let line: JSONValue = ["pod": .string(event.pod.description), "type": .string(event.type),
                               "reason": .string(event.reason), "message": .string(event.message)]
        let path = Paths.join(directory, "events.jsonl")
        // O_APPEND and one write per line: concurrent CNI calls append without overwriting.
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw .transport("cannot append to \(path): \(Errno.text())") }
        defer { close(fd) }
        let bytes = Array((line.serialized + "\n").utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw .transport("cannot append to \(path): \(Errno.text())")
        }
    }
}
