#if canImport(Glibc)
import Glibc
#endif

/// Plain detached threads: the daemon's loops and one thread per connection.
/// No async runtime, as on the CNI path (the request handler runs the same
/// synchronous code the thin plugin runs).
enum Threads {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    /// Starts `body` on a new detached thread; false when no thread could be made.
    @discardableResult
    static func detach(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box)
        if rc != 0 { Unmanaged<Body>.fromOpaque(box).release() }
        return rc == 0
    }
}
