import MultusCore
import MultusDaemon
import MultusInstall
import SystemSupport
#if canImport(Glibc)
import Glibc
#endif

// One static binary, several faces, chosen by the name it was started as.
// CNI calls run synchronously on the main thread: no async runtime, no thread
// pool (an async `main` would also end with pthread_exit, whose forced unwind
// makes libgcc sort every unwind entry of this static binary first).
let arguments = CommandLine.arguments
let program = arguments.first ?? "multus-swift"
let flags = Array(arguments.dropFirst())
let environment = ProcessEnvironment.current()

switch ExecutableFace(invokedAs: program) {
case .thinEntrypoint:
    exit(ThinEntrypoint.main(program: program, arguments: flags, environment: environment.values))
case .installMultus:
    exit(InstallMultus.main(program: program, arguments: flags))
case .passthru:
    exit(PassthruPlugin.main(environment: environment))
case .multusDaemon:
    exit(MultusDaemon.main(arguments: flags, environment: environment, version: MultusSwiftVersion.current))
case .multusShim:
    exit(MultusShim.main(arguments: flags, environment: environment, version: MultusSwiftVersion.current))
case .multus, .multusSwift:
    // The runtime sets CNI_COMMAND; anything else is a person at a shell.
    if environment["CNI_COMMAND"] != nil {
        let outcome = CNIEntryPoint.run(environment: environment)
        if !outcome.stdout.isEmpty { StandardStreams.output(outcome.stdout + "\n") }
        exit(outcome.exitStatus)
    }
    exit(MultusSwiftCommand.main(program: program, arguments: flags, environment: environment))
}
