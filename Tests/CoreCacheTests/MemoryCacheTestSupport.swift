import CoreProtocols
import Synchronization

@testable import CoreCache

/// Collects what a ``MemoryCache``'s removal listener receives.
final class MemoryCacheRemovalLog<Key: Sendable, Value: Sendable>: Sendable {
    private let records = Mutex<[MemoryCacheRemoval<Key, Value>]>([])

    /// The listener to put in the configuration.
    var listener: @Sendable (MemoryCacheRemoval<Key, Value>) -> Void {
        { [self] record in self.records.locked { $0.append(record) } }
    }

    var all: [MemoryCacheRemoval<Key, Value>] { records.locked { $0 } }

    func count(_ cause: MemoryCacheRemovalCause) -> Int {
        records.locked { $0.filter { $0.cause == cause }.count }
    }

    func clear() { records.locked { $0.removeAll() } }
}

/// A pressure signal a test sets by hand.
final class MemoryCachePressureKnob: ResourcePressureSignal {
    private let level = Mutex(0.0)

    func set(_ value: Double) { level.locked { $0 = value } }

    func pressure() -> Double { level.locked { $0 } }
}

/// The error `body` throws, or `nil` when it returns.
func memoryCacheError(_ body: () throws -> Void) -> WhaleError? {
    do {
        try body()
        return nil
    } catch {
        return error as? WhaleError
    }
}
