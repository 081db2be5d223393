import CoreProtocols
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One reader connection of the L3 tier on a thread of its own.
///
/// Reads are submitted as closures and run one after another on the lane's
/// thread, so SQLite never blocks Swift's cooperative pool; requests that
/// arrive while the lane is busy are drained in one go. The lane is also a
/// `TaskExecutor`: a task that prefers it (``SQLiteCacheTier/withReaderExecutor(_:)``)
/// runs on the lane's thread, and its reads skip the thread hop because they
/// are already off the cooperative pool.
final class SQLiteReaderLane: TaskExecutor, Sendable {
    /// Identifies the tier the lane belongs to (a thread may run another tier's lane).
    let ownerID: Int
    /// The lane's connection: opened, used and closed on the lane's thread
    /// only; the `Mutex` makes that provable to the compiler.
    let connection = Mutex<SQLiteTierConnection?>(nil)
    private let state = Mutex(LaneState())
    private let wakeup = DispatchSemaphore(value: 0)

    private enum Work: Sendable {
        case job(UnownedJob)
        case call(@Sendable () -> Void)
    }

    private struct LaneState: ~Copyable {
        var work: [Work] = []
        var sleeping = false
        var stopping = false
        var exited = false
    }

    private init(ownerID: Int) {
        self.ownerID = ownerID
    }

    /// Starts a lane on a new thread; `name` names it in errors.
    /// - Throws: `WhaleError(.resourceExhausted)` when no thread can be created.
    static func start(ownerID: Int, name: String) throws -> SQLiteReaderLane {
        let lane = SQLiteReaderLane(ownerID: ownerID)
        let context = Unmanaged.passRetained(lane).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        #else
        var thread = pthread_t()
        #endif
        let status = pthread_create(
            &thread, nil,
            { context in
                guard let context else { return nil }
                let lane = Unmanaged<SQLiteReaderLane>.fromOpaque(context).takeRetainedValue()
                lane.runLoop()
                return nil
            }, context)
        guard status == 0 else {
            Unmanaged<SQLiteReaderLane>.fromOpaque(context).release()
            throw WhaleError(.resourceExhausted, "L3 SQLite tier: cannot start reader thread '\(name)' (error \(status))")
        }
        #if canImport(Darwin)
        if let thread { pthread_detach(thread) }
        #else
        pthread_detach(thread)
        #endif
        return lane
    }

    /// The lane whose thread is running the caller, if any.
    static var current: SQLiteReaderLane? {
        pthread_getspecific(laneKey).map { Unmanaged<SQLiteReaderLane>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Whether the caller runs on this lane's thread (a task that prefers
    /// the lane as its executor).
    var isCurrent: Bool { Self.current === self }

    /// Runs `body` with the connection now; only on the lane's own thread
    /// (``isCurrent``). No allocation: `body` does not escape.
    func runHere<Result>(_ body: @Sendable (inout SQLiteTierConnection?) throws -> Result) throws -> Result {
        try connection.locked { try body(&$0) }
    }

    /// Runs `body` with the connection on the caller's thread if no one else
    /// uses it now; `nil` without waiting when it is busy. SQLite allows a
    /// connection on any thread as long as one thread uses it at a time,
    /// which the lock ensures.
    func runIfFree<Result>(_ body: @Sendable (inout SQLiteTierConnection?) throws -> Result) throws -> Result? {
        try connection.lockedIfAvailable { try body(&$0) }
    }

    /// Runs `body` with the connection on the lane's thread (at once when the
    /// caller is already on it) and returns its result.
    /// - Throws: what `body` throws; `WhaleError(.unavailable)` once the lane
    ///   has stopped.
    func run<Result: Sendable>(
        _ body: @escaping @Sendable (inout SQLiteTierConnection?) throws -> Result
    ) async throws -> Result {
        if Self.current === self {
            return try connection.locked { try body(&$0) }
        }
        let handOff = ThreadHandOff<Result>()
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            let accepted = submit(
                .call { [self] in
                    handOff.deliver(Swift.Result { try connection.locked { try body(&$0) } }, resuming: continuation)
                })
            if !accepted {
                handOff.deliver(
                    .failure(WhaleError(.unavailable, "L3 SQLite tier is closed", isRetriable: false)),
                    resuming: continuation)
            }
        }
        return try handOff.take()
    }

    /// Closes the connection on the lane's thread, then ends the thread
    /// once the work queued before is done.
    func stop() async {
        _ = try? await run { connection in
            connection?.close()
            connection = nil
        }
        markStoppingAndWake()
    }

    /// Tells the lane's thread to end once its queue is empty, waking it if it sleeps.
    private func markStoppingAndWake() {
        let wake = state.locked { state -> Bool in
            state.stopping = true
            let wasSleeping = state.sleeping
            state.sleeping = false
            return wasSleeping
        }
        if wake { wakeup.signal() }
    }

    /// ``stop()`` without waiting: for a tier dropped without closing.
    func stopSoon() {
        _ = submit(
            .call { [self] in
                connection.locked { connection in
                    connection?.close()
                    connection = nil
                }
            })
        markStoppingAndWake()
    }

    // MARK: TaskExecutor

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if !submit(.job(job)) {
            // The thread has ended: a task that still prefers this lane runs
            // on the global executor instead of never.
            globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }

    // MARK: The thread

    /// Queues `work`; `false` once the thread has ended.
    private func submit(_ work: Work) -> Bool {
        let (accepted, wake) = state.locked { state -> (Bool, Bool) in
            guard !state.exited else { return (false, false) }
            state.work.append(work)
            let wasSleeping = state.sleeping
            state.sleeping = false
            return (true, wasSleeping)
        }
        if wake { wakeup.signal() }
        return accepted
    }

    private func runLoop() {
        pthread_setspecific(laneKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(laneKey, nil) }
        let executor = asUnownedTaskExecutor()
        var batch: [Work] = []
        while true {
            let next = state.locked { state -> LoopStep in
                if state.work.isEmpty {
                    if state.stopping {
                        state.exited = true
                        return .exit
                    }
                    state.sleeping = true
                    return .sleep
                }
                swap(&batch, &state.work)
                return .run
            }
            switch next {
            case .exit:
                return
            case .sleep:
                wakeup.wait()
            case .run:
                for work in batch {
                    switch work {
                    case .job(let job): job.runSynchronously(on: executor)
                    case .call(let call): call()
                    }
                }
                batch.removeAll(keepingCapacity: true)
            }
        }
    }

    private enum LoopStep { case run, sleep, exit }
}

/// The thread-local slot naming the lane a thread runs.
private let laneKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()
