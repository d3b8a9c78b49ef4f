import Dispatch

/// TEMPORARY: KubeAPI no longer uses this (its client is blocking); only
/// DRAClaimReader's NIO gRPC call still does, until its synchronous client
/// lands. Delete it then. The calling thread waits on a semaphore; the work
/// runs on the caller's event loop.
package func blockingWait<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let box = BlockingBox<T>()
    Task {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

/// Written by the task before it signals, read after the wait.
private final class BlockingBox<T>: @unchecked Sendable {
    var value: T?
}
