import ArgumentParser
import MultusCore
#if canImport(Glibc)
import Glibc
#endif

/// The runtime sets CNI_COMMAND; anything else is a person at a shell.
let environment = ProcessEnvironment.current
if environment["CNI_COMMAND"] != nil {
    let outcome = await CNIEntryPoint.run(environment: environment, stdin: ProcessEnvironment.readStandardInput(),
                                          sandbox: NetlinkSandbox())
    if !outcome.stdout.isEmpty { print(outcome.stdout) }
    exit(outcome.exitStatus)
}
MultusSwiftCommand.main()
