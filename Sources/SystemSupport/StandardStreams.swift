/// Text to standard output or error with write(2): nothing buffered, so it is
/// out before `exit`, and no stdio global to share between threads.
package enum StandardStreams {
    package static func output(_ text: String) { _ = Directory.writeAll(1, Array(text.utf8)) }
    package static func error(_ text: String) { _ = Directory.writeAll(2, Array(text.utf8)) }
}
