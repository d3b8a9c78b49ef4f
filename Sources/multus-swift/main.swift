import ArgumentParser
import Dispatch
import MultusCore
#if canImport(Glibc)
import Glibc
#endif

/// The runtime sets CNI_COMMAND; anything else is a person at a shell.
let environment = ProcessEnvironment.current
if environment["CNI_COMMAND"] != nil {
    let input = ProcessEnvironment.readStandardInput()
    let outcome = runBlocking { await CNIEntryPoint.run(environment: environment, stdin: input, sandbox: NetlinkSandbox()) }
    if !outcome.stdout.isEmpty { print(outcome.stdout) }
    exit(outcome.exitStatus)
}
MultusSwiftCommand.main()

/// Runs async work while the main thread waits. Deliberately not an async
/// `main`: that ends the main thread with pthread_exit, whose forced unwind
/// makes libgcc sort every unwind entry of this static binary first — about
/// 45 ms on each CNI call (measured with `make bench`).
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let box = OutcomeBox<T>()
    Task {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

/// Written by the task before it signals, read by the main thread after the
/// wait: the semaphore orders the two.
final class OutcomeBox<T>: @unchecked Sendable {
    var value: T?
}
