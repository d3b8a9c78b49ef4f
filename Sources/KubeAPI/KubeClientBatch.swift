import CNISpec
import SystemSupport

/// Batches: pipelined on the one connection, retried as a whole for the calls
/// that need it.
extension KubeClient {
    enum Outcome {
        case success(JSONValue)
        case retry(KubeError, after: Duration?)
        case failure(KubeError)
    }

    /// Sends `calls` together and answers one result per call, in order.
    /// Transient failures (429, 500, 502, 503, 504, refused or broken
    /// connections) are retried with backoff and jitter, honouring
    /// `Retry-After`, until `retryBudget` after the start.
    package func perform(_ calls: [Call]) -> [Result<JSONValue, KubeError>] {
        guard !calls.isEmpty else { return [] }
        let clock = options.timeSource
        let start = clock.now
        var results = [Result<JSONValue, KubeError>?](repeating: nil, count: calls.count)
        var attempts = [Int](repeating: 0, count: calls.count)
        var pending = Array(calls.indices)
        var backoff = options.initialBackoff
        while !pending.isEmpty {
            for index in pending { attempts[index] += 1 }
            var retries: [(index: Int, error: KubeError, after: Duration?)] = []
            for (index, outcome) in zip(pending, attempt(pending.map { calls[$0] })) {
                switch outcome {
                case .success(let value): results[index] = .success(value)
                case .failure(let error): results[index] = .failure(error)
                case .retry(let error, let after): retries.append((index, error, after))
                }
            }
            guard !retries.isEmpty else { break }
            let elapsed = clock.now - start
            let remaining = options.retryBudget - elapsed
            let delay: Duration?
            if let serverSaid = retries.compactMap(\.after).max() {
                // The server said when; asking sooner would only be refused again.
                delay = serverSaid <= remaining ? serverSaid : nil
            } else if remaining > .milliseconds(10) {
                // The last wait is cut short so that one more try lands within the budget.
                delay = min(jittered(backoff), remaining)
                backoff = min(backoff * 2, options.maximumBackoff)
            } else {
                delay = nil
            }
            guard let delay else {
                for retry in retries {
                    results[retry.index] = .failure(exhausted(retry.error, attempts: attempts[retry.index], elapsed: elapsed))
                }
                break
            }
            clock.sleep(for: delay)
            pending = retries.map(\.index)
        }
        return results.map { $0! }
    }

    private func jittered(_ delay: Duration) -> Duration {
        options.jitter > 0 ? delay + delay * Double.random(in: 0..<options.jitter) : delay
    }

    private func exhausted(_ error: KubeError, attempts: Int, elapsed: Duration) -> KubeError {
        guard case .transport(let message) = error else { return error }
        return .transport("\(message) (gave up after \(attempts) attempts in \(elapsed.milliseconds) ms)")
    }

    /// One try of the calls on the connection (opened if needed). When it
    /// breaks mid-batch, or a kept-alive connection turns out closed, the calls
    /// that got no answer are sent once more on a new connection at once.
    private func attempt(_ calls: [Call]) -> [Outcome] {
        let requests = calls.map(request(for:))
        let deadline = Deadline.after(options.requestTimeout)
        let endpoint = self.endpoint
        let maximumBody = options.maximumResponseBytes
        return connection.withLock { (current: inout HTTPConnection?) -> [Outcome] in
            var outcomes: [Outcome] = []
            var next = 0
            var reconnected = false
            while next < calls.count {
                if current?.isOpen != true {
                    do throws(TransportError) {
                        current = try HTTPConnection.open(endpoint, deadline: deadline)
                    } catch {
                        for call in calls[next...] { outcomes.append(Self.outcome(of: error, call)) }
                        return outcomes
                    }
                }
                let (responses, failure) = current!.exchange(Array(requests[next...]), maximumBody: maximumBody,
                                                             deadline: deadline)
                for response in responses {
                    outcomes.append(Self.outcome(of: response, calls[next]))
                    next += 1
                }
                guard let failure, next < calls.count else { break }
                current = nil
                switch failure.kind {
                case .protocolViolation:
                    // This answer is unusable (too large, malformed); the ones after it may be fine.
                    outcomes.append(.failure(.transport("\(calls[next].method) \(calls[next].path): \(failure.message)")))
                    next += 1
                case _ where failure.isRetryable && !reconnected:
                    reconnected = true
                default:
                    for call in calls[next...] { outcomes.append(Self.outcome(of: failure, call)) }
                    return outcomes
                }
            }
            return outcomes
        }
    }

    static func outcome(of failure: TransportError, _ call: Call) -> Outcome {
        let error = KubeError.transport("\(call.method) \(call.path): \(failure.message)")
        return failure.isRetryable ? .retry(error, after: nil) : .failure(error)
    }

    static func outcome(of response: HTTPResponse, _ call: Call) -> Outcome {
        let what = "\(call.method) \(call.path)"
        if (200..<300).contains(response.status) {
            if response.body.isEmpty || !call.readsAnswer { return .success(.null) }
            do {
                return .success(try JSONValue(parsing: response.body))
            } catch {
                return .failure(.decoding("\(what): \(error)"))
            }
        }
        let error = StatusBody.error(code: response.status, reasonPhrase: response.head.reason, body: response.body)
        switch response.status {
        case 429, 500, 502, 503, 504:
            return .retry(error, after: response.head.header("Retry-After").flatMap(retryAfterDelay))
        default:
            return .failure(error)
        }
    }

    /// `Retry-After: <seconds>`; an HTTP date is not worth parsing here (backoff applies).
    static func retryAfterDelay(_ header: String) -> Duration? {
        guard let seconds = Int(header.trimmingSpace), seconds >= 0 else { return nil }
        return .seconds(seconds)
    }
}
