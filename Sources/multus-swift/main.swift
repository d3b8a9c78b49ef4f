import ArgumentParser
import MultusCore
import Netlink
#if canImport(Glibc)
import Glibc
#endif

/// The runtime sets CNI_COMMAND; anything else is a person at a shell.
let environment = ProcessEnvironment.current
if environment["CNI_COMMAND"] != nil {
    let outcome = CNIEntryPoint.run(environment: environment, stdin: ProcessEnvironment.readStandardInput(),
                                    inspector: NetlinkSandboxInspector())
    if !outcome.stdout.isEmpty { print(outcome.stdout) }
    exit(outcome.exitStatus)
}
MultusSwiftCommand.main()
