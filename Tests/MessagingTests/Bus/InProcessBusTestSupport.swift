import CoreProtocols
import Logging
import Messaging
import MetricsTestKit
import Synchronization
import Testing

/// Collects values from handlers and lets a test wait, without sleeping,
/// until a number of them has arrived.
final class BusProbe<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var waiters: [(count: Int, continuation: CheckedContinuation<[Element], Never>)] = []
    }

    private let state = Mutex(State())

    init() {}

    /// Records `item` and resumes the waiters whose count is reached.
    func record(_ item: Element) {
        let ready = state.locked { state -> [(CheckedContinuation<[Element], Never>, [Element])] in
            state.items.append(item)
            let items = state.items
            let ready = state.waiters.filter { $0.count <= items.count }.map { ($0.continuation, items) }
            state.waiters.removeAll { $0.count <= items.count }
            return ready
        }
        for (continuation, items) in ready { continuation.resume(returning: items) }
    }

    /// Everything recorded so far.
    var items: [Element] { state.locked { $0.items } }

    /// Returns the items once at least `count` have been recorded.
    func wait(for count: Int) async -> [Element] {
        await withCheckedContinuation { (continuation: CheckedContinuation<[Element], Never>) in
            let items = state.locked { state -> [Element]? in
                if state.items.count >= count { return state.items }
                state.waiters.append((count, continuation))
                return nil
            }
            if let items { continuation.resume(returning: items) }
        }
    }
}

/// A gate handlers wait at until the test opens it; waiting throws
/// `CancellationError` when the waiting task is cancelled.
final class BusGate: Sendable {
    private struct State {
        var open = false
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
    }

    private let state = Mutex(State())

    init() {}

    func open() {
        let waiters = state.locked { state -> [CheckedContinuation<Void, any Error>] in
            state.open = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async throws {
        let id = state.locked { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let result = state.locked { state -> Result<Void, any Error>? in
                    if state.open { return .success(()) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            state.locked { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }
}

/// An error a test handler throws.
struct BusTestFailure: Error, CustomStringConvertible {
    var text: String
    var description: String { text }
}

extension OutboundMessage {
    /// A message whose value is the UTF-8 of `text`.
    static func busText(_ topic: String, _ text: String, key: String? = nil, headers: [MessageHeader] = []) -> OutboundMessage {
        OutboundMessage(topic: topic, key: key.map { Array($0.utf8) }, value: Array(text.utf8), headers: headers)
    }
}

extension InboundMessage {
    /// The value as UTF-8 text.
    var busText: String { String(decoding: value, as: UTF8.self) }

    /// The text of the last header called `key`.
    func busHeader(_ key: String) -> String? {
        headers.last { $0.key == key }?.value.map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A unique topic name for one test.
func busTopic(_ name: String = #function) -> String {
    let cleaned = String(name.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) })
    return "bus.test.\(cleaned).\(UInt32.random(in: 0...UInt32.max))"
}

/// A bus with test metrics and a quiet logger.
func makeBus(
    _ configuration: InProcessBusConfiguration = InProcessBusConfiguration(),
    clock: any WhaleClock = SystemClock(),
    metrics: TestMetrics = TestMetrics()
) throws -> InProcessMessageBus {
    var logger = Logger(label: "test.bus")
    logger.logLevel = .critical
    return try InProcessMessageBus(configuration: configuration, clock: clock, logger: logger, metricsFactory: metrics)
}

/// Options that start at the earliest offset.
func earliest(
    maxInFlight: Int = 1,
    maxAttempts: Int = 3,
    retryBackoff: Duration = .zero,
    deadLetters: Bool = true,
    priorityOrdering: Bool = false
) -> InProcessSubscriptionOptions {
    InProcessSubscriptionOptions(
        startPosition: .earliest,
        maxInFlight: maxInFlight,
        maxAttempts: maxAttempts,
        retryBackoff: retryBackoff,
        deadLetters: deadLetters,
        priorityOrdering: priorityOrdering
    )
}

/// The `WhaleError` code `body` throws, or `nil` when it throws nothing or something else.
func busErrorCode(_ body: () throws -> Void) -> WhaleError.Code? {
    do {
        try body()
        return nil
    } catch let error as WhaleError {
        return error.code
    } catch {
        return nil
    }
}
