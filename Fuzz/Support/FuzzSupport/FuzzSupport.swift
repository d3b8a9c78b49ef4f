import CLibFuzzer
import Glibc

// SwiftPM gives every executable target a `main` of its own (it renames the
// module's entry point and aliases `main` to it), so libFuzzer's `main` is
// never linked in. Each harness's main.swift therefore calls `fuzz { … }`,
// which hands the process to libFuzzer through LLVMFuzzerRunDriver.

nonisolated(unsafe) private var harness: (([UInt8]) -> Void)?

/// Runs libFuzzer with the process's arguments (corpus folders, -flags) and
/// `body` as the test of one input. A failed `check` or any trap is a crash.
package func fuzz(_ body: @escaping (_ input: [UInt8]) -> Void) -> Never {
    harness = body
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in testOneInput(data, size) })
}

// libFuzzer's own main (FuzzerMain.o) is linked in as well, because the
// archive is searched before SwiftPM's `--defsym main=…` defines ours; it
// needs this symbol, and our main is the one that runs.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    harness!(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// A property of the code under test. `fatalError` rather than `precondition`:
/// with -O a precondition traps without its message.
package func check(_ condition: Bool, _ message: @autoclosure () -> String,
                   file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fatalError(message(), file: file, line: line) }
}

/// One input taken apart: a harness that needs a choice or a second text
/// reads them off the front, so the fuzzer mutates them like everything else.
package struct FuzzInput {
    package private(set) var rest: ArraySlice<UInt8>

    package init(_ bytes: [UInt8]) { rest = bytes[...] }

    /// The next byte, 0 once the input is used up.
    package mutating func byte() -> UInt8 { rest.popFirst() ?? 0 }

    /// The bytes up to the next newline (which is consumed), or all of them.
    package mutating func line() -> String {
        let end = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
        let line = String(decoding: rest[..<end], as: UTF8.self)
        rest = end < rest.endIndex ? rest[(end + 1)...] : rest[end...]
        return line
    }

    package var restText: String { String(decoding: rest, as: UTF8.self) }
}
