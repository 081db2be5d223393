import CoreProtocols
import Metrics

/// The L3 tier's counters, all prefixed `whale_cache_l3_`.
///
/// - `whale_cache_l3_reads{result="hit"|"miss"}`: keys read;
/// - `whale_cache_l3_writes{operation="set"|"delete"}`: operations committed;
/// - `whale_cache_l3_flush_batches`: write-behind transactions committed;
/// - `whale_cache_l3_evictions`: entries removed by the size cap;
/// - `whale_cache_l3_expired_removed`: expired entries removed;
/// - `whale_cache_l3_dropped_writes`: acknowledged operations lost to a failed batch;
/// - `whale_cache_l3_errors{kind="disk_full"|"corrupt"|"busy"|"io"}`: failed SQLite calls;
/// - `whale_cache_l3_quarantined`: database files set aside as corrupt.
struct SQLiteTierMetrics: Sendable {
    let hits: Counter
    let misses: Counter
    let sets: Counter
    let deletes: Counter
    let flushBatches: Counter
    let evictions: Counter
    let expiredRemoved: Counter
    let droppedWrites: Counter
    let diskFull: Counter
    let corrupt: Counter
    let busy: Counter
    let io: Counter
    let quarantined: Counter

    init(factory: any MetricsFactory) {
        func counter(_ name: String, _ dimensions: [(String, String)] = []) -> Counter {
            Counter(label: "whale_cache_l3_\(name)", dimensions: dimensions, factory: factory)
        }
        hits = counter("reads", [("result", "hit")])
        misses = counter("reads", [("result", "miss")])
        sets = counter("writes", [("operation", "set")])
        deletes = counter("writes", [("operation", "delete")])
        flushBatches = counter("flush_batches")
        evictions = counter("evictions")
        expiredRemoved = counter("expired_removed")
        droppedWrites = counter("dropped_writes")
        diskFull = counter("errors", [("kind", "disk_full")])
        corrupt = counter("errors", [("kind", "corrupt")])
        busy = counter("errors", [("kind", "busy")])
        io = counter("errors", [("kind", "io")])
        quarantined = counter("quarantined")
    }

    /// Counts `error` under its kind; returns the kind's name (for logs).
    @discardableResult
    func record(_ error: any Error) -> String {
        guard let sqlite = error.sqliteError else {
            io.increment()
            return "io"
        }
        if sqlite.isFull {
            diskFull.increment()
            return "disk_full"
        }
        if sqlite.isCorruption {
            corrupt.increment()
            return "corrupt"
        }
        if sqlite.isBusy {
            busy.increment()
            return "busy"
        }
        io.increment()
        return "io"
    }
}
