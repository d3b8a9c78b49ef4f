import CSystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// Work inside another network namespace. setns(2) moves only the calling
/// thread, so the work runs on a thread of its own that ends afterwards: no
/// thread of ours is ever left in a pod's namespace, even if switching back
/// would have failed (containernetworking's `ns.Do` locks and discards its OS
/// thread for the same reason).
package enum NetworkNamespace {
    package enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case notFound(path: String)
        case notANetworkNamespace(path: String)
        case cannotOpen(path: String, code: Int32)
        case cannotEnter(path: String, code: Int32)
        case cannotStartThread(code: Int32)

        package var description: String {
            switch self {
            case .notFound(let path): "network namespace \(path) does not exist"
            case .notANetworkNamespace(let path): "\(path) is not a network namespace"
            case .cannotOpen(let path, let code): "cannot open network namespace \(path): \(Errno.text(code))"
            case .cannotEnter(let path, let code): "cannot enter network namespace \(path): \(Errno.text(code))"
            case .cannotStartThread(let code): "cannot start a thread for namespace work: \(Errno.text(code))"
            }
        }
    }

    /// Fails unless `path` names a network namespace: the kernel says what
    /// namespace an nsfs file is (NS_GET_NSTYPE, Linux 4.11); where it cannot,
    /// entering it on a throwaway thread decides.
    package static func check(_ path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw code == ENOENT ? .notFound(path: path) : .cannotOpen(path: path, code: code)
        }
        defer { close(fd) }
        let type = csystem_namespace_type(fd)
        if type == csystem_clone_newnet() { return }
        if type >= 0 || csystem_is_nsfs(fd) == 0 { throw .notANetworkNamespace(path: path) }
        _ = try run(at: path) { () throws(Never) in }
    }

    /// Runs `body` on a new thread inside the namespace at `path`, waits for it
    /// and returns its result. `body` is synchronous on purpose; the caller is
    /// blocked while it runs, so nothing it touches is used concurrently.
    package static func run<T, E: Error>(at path: String, _ body: () throws(E) -> T) throws(Failure) -> Result<T, E> {
        let target = open(path, O_RDONLY | O_CLOEXEC)
        guard target >= 0 else {
            let code = errno
            throw code == ENOENT ? .notFound(path: path) : .cannotOpen(path: path, code: code)
        }
        defer { close(target) }
        let outcome = OutcomeBox<Result<T, E>>()
        // The thread is joined before this returns, so `body` never outlives the call.
        try withoutActuallyEscaping(body) { (body) throws(Failure) in
            let work = OutcomeBox<() throws(E) -> T>()
            work.value = body
            let thread = NamespaceThread(namespaceFD: target, path: path) {
                do throws(E) { outcome.value = .success(try work.value!()) } catch { outcome.value = .failure(error) }
            }
            try thread.run()
        }
        return outcome.value!
    }
}

/// Handed to the namespace thread and read back after joining it: the join
/// orders every access, so the box needs no lock.
private final class OutcomeBox<T>: @unchecked Sendable {
    var value: T?
}

/// One thread that enters the namespace, runs the work and ends. The caller
/// joins it before reading anything it wrote, which orders the two.
private final class NamespaceThread: @unchecked Sendable {
    let namespaceFD: Int32
    let path: String
    let work: () -> Void
    var failure: NetworkNamespace.Failure?

    init(namespaceFD: Int32, path: String, work: @escaping () -> Void) {
        self.namespaceFD = namespaceFD
        self.path = path
        self.work = work
    }

    func run() throws(NetworkNamespace.Failure) {
        var thread = pthread_t()
        let unmanaged = Unmanaged.passRetained(self)
        let started = pthread_create(&thread, nil, { raw in
            Unmanaged<NamespaceThread>.fromOpaque(raw!).takeRetainedValue().enterAndRun()
            return nil
        }, unmanaged.toOpaque())
        guard started == 0 else {
            unmanaged.release()
            throw .cannotStartThread(code: started)
        }
        pthread_join(thread, nil)
        if let failure { throw failure }
    }

    private func enterAndRun() {
        guard csystem_setns(namespaceFD) == 0 else {
            let code = errno
            failure = code == EINVAL ? .notANetworkNamespace(path: path) : .cannotEnter(path: path, code: code)
            return
        }
        work()
    }
}
