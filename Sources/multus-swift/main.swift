import ArgumentParser
import MultusCore
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

/// The runtime sets CNI_COMMAND; anything else is a person at a shell. The CNI
/// call runs synchronously on the main thread: no async runtime, no thread
/// pool (an async `main` would also end with pthread_exit, whose forced unwind
/// makes libgcc sort every unwind entry of this static binary first).
let environment = ProcessEnvironment.current()
if environment["CNI_COMMAND"] != nil {
    let outcome = CNIEntryPoint.run(environment: environment)
    if !outcome.stdout.isEmpty { print(outcome.stdout) }
    exit(outcome.exitStatus)
}
MultusSwiftCommand.main()
