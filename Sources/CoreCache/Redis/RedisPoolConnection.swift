import CoreMetrics
import CoreProtocols
import Dispatch
import Logging
import Synchronization

/// One queued call on a pool connection: what to send and whom to answer.
struct RedisRequest: Sendable {
    enum Work: Sendable {
        /// One command; an error reply is thrown to the caller.
        case command([[UInt8]], ThreadHandOff<RedisValue>)
        /// Several commands; error replies come back as ``RedisValue/error(_:)``.
        case pipeline([[[UInt8]]], ThreadHandOff<[RedisValue]>)
        /// No command: only make sure the connection is open.
        case connect(ThreadHandOff<Void>)
    }

    var work: Work
    /// The task waiting for the outcome.
    var continuation: UnsafeContinuation<Void, Never>
    /// ``monotonicNanoseconds()`` when it was queued.
    var queuedAt: UInt64

    var commandCount: Int {
        switch work {
        case .command: 1
        case .pipeline(let commands, _): commands.count
        case .connect: 0
        }
    }

    func fail(_ error: any Error) {
        switch work {
        case .command(_, let outcome): outcome.deliver(.failure(error), resuming: continuation)
        case .pipeline(_, let outcome): outcome.deliver(.failure(error), resuming: continuation)
        case .connect(let outcome): outcome.deliver(.failure(error), resuming: continuation)
        }
    }
}

/// One connection of a ``RedisConnectionPool``: a hiredis context confined to
/// its own serial queue, and an inbox of calls from any task.
///
/// A call goes into the inbox; when the connection is idle, the call also
/// schedules a drain on the queue. A drain takes everything in the inbox,
/// writes all of it (formatted into one buffer, one socket write), then reads
/// the replies in order and resumes each caller, and repeats until the inbox
/// is empty. Calls that arrive while a batch is on the wire go out together
/// in the next one, so many concurrent callers cost few system calls.
///
/// A socket error fails the rest of the batch and drops the context; the next
/// drain connects again (unless the pool is refusing during an outage). It
/// also makes the pool's other connections reconnect before their next
/// command, so sockets that died with the server are not tried one by one.
final class RedisPoolConnection: Sendable {
    private let state: RedisPoolState
    private let queue: DispatchQueue
    private let inbox = Mutex(Inbox())
    /// Touched only on `queue`; the `Mutex` makes that provable to the compiler.
    private let link = Mutex(Link())

    private struct Inbox {
        var requests: [RedisRequest] = []
        var draining = false
    }

    private struct Link {
        var context: HiredisContext?
        var hasConnected = false
        /// The pool's failure generation when `context` was opened.
        var generation: UInt64 = 0
    }

    init(state: RedisPoolState, index: Int) {
        self.state = state
        self.queue = DispatchQueue(label: "smart-whale.redis.\(state.name).\(index)")
    }

    /// Queues `request`; its continuation is resumed from the queue.
    func submit(_ request: RedisRequest) {
        let schedule = inbox.locked { inbox -> Bool in
            inbox.requests.append(request)
            if inbox.draining { return false }
            inbox.draining = true
            return true
        }
        if schedule {
            queue.async { self.drain() }
        }
    }

    /// Queues `work` and waits for its outcome.
    func call<Value: Sendable>(
        _ outcome: ThreadHandOff<Value>,
        _ work: RedisRequest.Work
    ) async throws -> Value {
        let queuedAt = monotonicNanoseconds()
        await withUnsafeContinuation { continuation in
            submit(RedisRequest(work: work, continuation: continuation, queuedAt: queuedAt))
        }
        return try outcome.take()
    }

    /// Closes the socket soon (on the queue) when it was opened before the
    /// pool's latest socket failure.
    func closeIfStale() {
        queue.async { [self] in
            link.locked { link in
                if link.context != nil, link.generation != state.failureGeneration { drop(&link) }
            }
        }
    }

    /// Closes the socket after the batch on the wire (if any) has finished.
    func close() async {
        let outcome = ThreadHandOff<Void>()
        await withUnsafeContinuation { continuation in
            queue.async { [self] in
                link.locked { link in drop(&link) }
                outcome.deliver(.success(()), resuming: continuation)
            }
        }
        _ = try? outcome.take()
    }

    private func drain() {
        var batch: [RedisRequest] = []
        while true {
            let more = inbox.locked { inbox -> Bool in
                // The emptied batch goes back, keeping its capacity.
                swap(&batch, &inbox.requests)
                if batch.isEmpty {
                    inbox.draining = false
                    return false
                }
                return true
            }
            guard more else { return }
            link.locked { link in run(batch, on: &link) }
            batch.removeAll(keepingCapacity: true)
        }
    }

    private func run(_ batch: [RedisRequest], on link: inout Link) {
        let now = monotonicNanoseconds()
        var commandCount = 0
        for request in batch {
            state.metrics.poolWait.recordNanoseconds(Int64(clamping: now &- request.queuedAt))
            commandCount += request.commandCount
        }
        let context: HiredisContext
        do {
            if state.isClosed { throw state.closedError }
            context = try connected(&link)
            for request in batch {
                switch request.work {
                case .command(let arguments, _):
                    try context.append(arguments)
                case .pipeline(let commands, _):
                    for command in commands { try context.append(command) }
                case .connect:
                    break
                }
            }
        } catch {
            // Nothing was sent: a buffered command dies with its context.
            if link.context != nil { drop(&link) }
            state.metrics.failed(error, count: batch.count)
            for request in batch { request.fail(error) }
            return
        }
        state.metrics.commands.increment(by: commandCount)

        var failure: (any Error)?
        var failedCount = 0
        for request in batch {
            if let failure {
                request.fail(failure)
                failedCount += 1
                continue
            }
            switch request.work {
            case .connect(let outcome):
                outcome.deliver(.success(()), resuming: request.continuation)
            case .command(_, let outcome):
                do {
                    let value = try context.readReply()
                    if case .error(let message) = value {
                        let error = HiredisContext.replyError(message)
                        state.metrics.failed(error)
                        outcome.deliver(.failure(error), resuming: request.continuation)
                    } else {
                        outcome.deliver(.success(value), resuming: request.continuation)
                    }
                } catch {
                    failure = error
                    failedCount += 1
                    outcome.deliver(.failure(error), resuming: request.continuation)
                }
            case .pipeline(let commands, let outcome):
                var values: [RedisValue] = []
                values.reserveCapacity(commands.count)
                do {
                    for _ in commands {
                        let value = try context.readReply()
                        if case .error(let message) = value {
                            state.metrics.failed(HiredisContext.replyError(message))
                        }
                        values.append(value)
                    }
                    outcome.deliver(.success(values), resuming: request.continuation)
                } catch {
                    failure = error
                    failedCount += 1
                    outcome.deliver(.failure(error), resuming: request.continuation)
                }
            }
        }
        if let failure {
            state.metrics.failed(failure, count: failedCount)
            if (failure as? WhaleError)?.code != .timeout {
                state.socketFailed()
            }
            state.logger.debug(
                "Redis connection failed",
                metadata: ["pool": "\(state.name)", "endpoint": "\(state.configuration.endpoint)", "error": "\(failure)"]
            )
            drop(&link)
        }
    }

    /// The live context, connecting first when there is none or it broke.
    private func connected(_ link: inout Link) throws -> HiredisContext {
        if let context = link.context {
            if !context.isBroken, link.generation == state.failureGeneration { return context }
            drop(&link)
        }
        if let refusal = state.refusal(now: monotonicNanoseconds()) {
            throw refusal
        }
        do {
            let generation = state.failureGeneration
            let context = try HiredisContext(configuration: state.configuration)
            link.context = context
            link.generation = generation
            state.connected(isReconnect: link.hasConnected)
            link.hasConnected = true
            return context
        } catch {
            let failure =
                error as? WhaleError
                ?? WhaleError(.unavailable, "Redis at \(state.configuration.endpoint): connect failed", underlying: error)
            state.connectFailed(failure)
            throw failure
        }
    }

    private func drop(_ link: inout Link) {
        guard link.context != nil else { return }
        link.context = nil
        state.disconnected()
    }
}
