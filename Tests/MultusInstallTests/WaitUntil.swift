import SystemSupport

/// Polls `condition` every 20 ms for up to `seconds`: only for what another
/// process does (a child's files, its exit), never for this process's own work.
func waitUntil(seconds: Int = 10, _ condition: () -> Bool) -> Bool {
    let clock = SystemTime()
    let deadline = clock.now + .seconds(seconds)
    while clock.now < deadline {
        if condition() { return true }
        clock.sleep(for: .milliseconds(20))
    }
    return condition()
}
