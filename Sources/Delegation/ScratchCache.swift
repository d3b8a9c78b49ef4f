import CNISpec
import SystemSupport

/// Multus's scratch cache, `<cniDir>/<containerID>`: the attachments of one
/// container in ADD order (Go Multus's format, see GoDelegateFormat), written
/// before the first delegate runs so that a crash mid-ADD still leaves DEL
/// the list of what to undo. Beside it, `<cniDir>/deleted/<day>/<containerID>`
/// records a finished DEL for a day or two, so the runtime's repeated DELs
/// (containerd sends one per StopPodSandbox and one on RemovePodSandbox) do
/// nothing at all. Go Multus ignores that folder.
package struct ScratchCache: Sendable {
    package let cniDir: String
    static let tombstoneFolder = "deleted"

    package init(cniDir: String) { self.cniDir = cniDir }

    private func folder(create: Bool) throws(SystemError) -> Directory {
        try Directory(opening: cniDir, create: create)
    }

    /// Written with one fsync: after a node crash this is the one file DEL
    /// cannot do without (host-local reservations outlive a reboot).
    package func save(containerID: String, _ attachments: [CachedAttachment]) throws(CNIError) {
        let bytes = GoDelegateFormat.encode(attachments).serializedBytes
        do { try folder(create: true).writeAtomically(containerID, bytes, sync: true) } catch { throw error.cniError }
    }

    package enum LoadOutcome: Sendable, Equatable {
        case missing
        /// Present but unusable (damaged, or a link where a file should be).
        case unreadable(String)
        case found([CachedAttachment])
    }

    package func load(containerID: String, context: GoDelegateFormat.Context) -> LoadOutcome {
        let bytes: [UInt8]?
        do {
            bytes = try Directory(opening: cniDir).read(containerID, limit: 16 << 20)
        } catch {
            return error.isNotFound ? .missing : .unreadable(error.description)
        }
        guard let bytes else { return .missing }
        guard let json = try? JSONValue(parsing: bytes) else {
            return .unreadable("\(Paths.join(cniDir, containerID)) is not JSON")
        }
        do { return .found(try GoDelegateFormat.decode(json, context: context)) } catch {
            guard case .malformed(let why) = error else { return .unreadable("\(error)") }
            return .unreadable("\(Paths.join(cniDir, containerID)): \(why)")
        }
    }

    package func remove(containerID: String) throws(CNIError) {
        do { try folder(create: false).remove(containerID) } catch {
            if !error.isNotFound { throw error.cniError }
        }
    }

    /// Container IDs that have a scratch cache (for GC).
    package func containerIDs() -> [String] {
        guard let dir = try? Directory(opening: cniDir) else { return [] }
        return dir.list().filter { name in
            !Directory.isTemporary(name) && Validation.isContainerID(name) && dir.kind(of: name) == .file
        }
    }

    // MARK: finished DELs

    // Tombstones live in one folder per day, `deleted/<days since the epoch>`:
    // checking one is two lookups and forgetting old ones removes whole days,
    // so no DEL ever lists them all.

    private func day(_ now: Int) -> String { String(now / 86_400) }

    package func markDeleted(containerID: String, now: Int = WallClock.now().seconds) throws(CNIError) {
        do {
            let tombstones = try folder(create: true).subdirectory(Self.tombstoneFolder, create: true)
            try tombstones.subdirectory(day(now), create: true).writeAtomically(containerID, [])
        } catch { throw error.cniError }
    }

    /// Whether a DEL of this container finished today or yesterday.
    package func isDeleted(containerID: String, now: Int = WallClock.now().seconds) -> Bool {
        guard let tombstones = try? folder(create: false).subdirectory(Self.tombstoneFolder) else { return false }
        return [day(now), day(now - 86_400)].contains { bucket in
            (try? tombstones.subdirectory(bucket).kind(of: containerID)) == .file
        }
    }

    /// An ADD of a container ID brings it back (podman restarts reuse IDs).
    package func clearDeleted(containerID: String, now: Int = WallClock.now().seconds) {
        guard let tombstones = try? folder(create: false).subdirectory(Self.tombstoneFolder) else { return }
        for bucket in [day(now), day(now - 86_400)] { try? tombstones.subdirectory(bucket).remove(containerID) }
    }

    /// Forgets finished DELs older than yesterday, and (GC, with `valid`)
    /// those of containers the runtime no longer has.
    package func pruneDeleted(keeping valid: Set<String>? = nil, now: Int = WallClock.now().seconds) {
        guard let tombstones = try? folder(create: false).subdirectory(Self.tombstoneFolder) else { return }
        let recent = [day(now), day(now - 86_400)]
        for bucket in tombstones.list() {
            guard let folder = try? tombstones.subdirectory(bucket) else { continue }
            let old = !recent.contains(bucket)
            if old || valid != nil {
                for name in folder.list() where old || !(valid?.contains(name) ?? true) { try? folder.remove(name) }
            }
            if old { try? tombstones.removeDirectory(bucket) }
        }
    }

    // MARK: leftovers of killed writers

    /// Removes `<containerID>.tmp-*` files a killed writer left in cniDir (all
    /// of them when `containerID` is nil, then only those older than a minute:
    /// a live writer renames its file within milliseconds).
    package func removeLeftovers(containerID: String?, now: Int = WallClock.now().seconds) {
        guard let dir = try? folder(create: false) else { return }
        for name in dir.list() where Directory.isTemporary(name) {
            if let containerID {
                guard name.hasPrefix(containerID + Directory.temporaryMarker) else { continue }
            } else if dir.age(of: name, now: now) < 60 {
                continue
            }
            try? dir.remove(name)
        }
    }
}
