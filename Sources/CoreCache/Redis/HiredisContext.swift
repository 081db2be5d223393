internal import CWhaleRedis
import CoreProtocols

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one hiredis `redisContext` and frees it in `deinit`. Blocking; not
/// thread-safe: a ``RedisConnectionPool`` connection confines it to its own
/// serial queue.
///
/// Pipelining is ``append(_:)`` for each command, then ``readReply()`` once
/// per command, in order.
final class HiredisContext {
    private let context: UnsafeMutablePointer<redisContext>
    private let endpoint: ServiceEndpoint
    /// Commands formatted by ``append(_:)`` (RESP) and not yet handed to
    /// hiredis; its capacity is kept up to `retainedPendingBytes`.
    private static let retainedPendingBytes = 64 * 1_024
    private var pending: [UInt8] = []

    /// Connects, authenticates and selects the database.
    init(configuration: RedisConfiguration) throws {
        endpoint = configuration.endpoint
        guard
            let context = redisConnectWithTimeout(
                configuration.endpoint.host,
                Int32(configuration.endpoint.port),
                makeTimeval(configuration.connectTimeout)
            )
        else {
            throw WhaleError(.resourceExhausted, "cannot allocate a Redis context")
        }
        self.context = context
        if context.pointee.err != 0 {
            throw WhaleError(.unavailable, "Redis at \(configuration.endpoint): \(Self.errorString(context))")
        }
        redisSetTimeout(context, makeTimeval(configuration.commandTimeout))
        // Lets the kernel notice a peer that vanished without closing the socket.
        _ = redisEnableKeepAlive(context)
        if let password = configuration.password {
            var auth = ["AUTH"]
            if let username = configuration.username { auth.append(username) }
            auth.append(password)
            do {
                _ = try command(auth.map { Array($0.utf8) })
            } catch let error as WhaleError where error.code != .unavailable && error.code != .timeout {
                // An error reply; a failed socket stays `.unavailable`/`.timeout`.
                throw WhaleError(.unauthenticated, "Redis at \(endpoint) refused AUTH: \(error.message)")
            }
        }
        if configuration.database != 0 {
            _ = try command([Array("SELECT".utf8), Array(String(configuration.database).utf8)])
        }
    }

    deinit {
        redisFree(context)
    }

    /// Whether the connection failed and must be replaced.
    var isBroken: Bool { context.pointee.err != 0 }

    /// Sends one command (binary-safe arguments) and reads its reply; an
    /// error reply is thrown.
    func command(_ arguments: [[UInt8]]) throws -> RedisValue {
        try append(arguments)
        let value = try readReply()
        if case .error(let message) = value {
            throw Self.replyError(message)
        }
        return value
    }

    /// Formats one command (RESP, as `redisFormatCommandArgv` would) into a
    /// buffer of this context; nothing is sent until ``readReply()`` needs a
    /// reply, and then everything formatted goes to hiredis in one call
    /// (`redisAppendFormattedCommand`). A warm connection allocates nothing
    /// here, and a pipeline costs hiredis one buffer append, not one per
    /// command.
    /// - Throws: `.invalidInput` for an empty command.
    func append(_ arguments: [[UInt8]]) throws {
        guard !arguments.isEmpty else {
            throw WhaleError(.invalidInput, "a Redis command needs at least one argument")
        }
        pending.append(UInt8(ascii: "*"))
        Self.appendDecimal(arguments.count, to: &pending)
        for argument in arguments {
            pending.append(UInt8(ascii: "$"))
            Self.appendDecimal(argument.count, to: &pending)
            pending.append(contentsOf: argument)
            pending.append(contentsOf: Self.crlf)
        }
    }

    private static let crlf: [UInt8] = [UInt8(ascii: "\r"), UInt8(ascii: "\n")]

    /// Appends `value` (not negative) in decimal, then CRLF.
    private static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        while divisor > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
        buffer.append(contentsOf: crlf)
    }

    /// Hands the formatted commands to hiredis's output buffer.
    /// - Throws: `.resourceExhausted` when hiredis cannot grow its buffer
    ///   (the context is then unusable).
    private func flushPending() throws {
        guard !pending.isEmpty else { return }
        let status = pending.withUnsafeBytes { raw in
            redisAppendFormattedCommand(context, raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count)
        }
        if pending.capacity > Self.retainedPendingBytes {
            // Do not keep a large value's buffer for the life of the connection.
            pending = []
        } else {
            pending.removeAll(keepingCapacity: true)
        }
        guard status == REDIS_OK else {
            throw WhaleError(.resourceExhausted, "Redis at \(endpoint): cannot buffer a command (\(Self.errorString(context)))")
        }
    }

    /// Reads the next reply, flushing buffered commands first (blocking, up
    /// to the command timeout per read). An error reply is returned as
    /// ``RedisValue/error(_:)``, not thrown: the connection is still in step.
    /// - Throws: `.timeout` when no reply came in the command timeout,
    ///   `.unavailable` when the socket failed; the context is then broken;
    ///   `.resourceExhausted` when the commands could not be buffered.
    func readReply() throws -> RedisValue {
        try flushPending()
        var reply: UnsafeMutableRawPointer?
        let status = redisGetReply(context, &reply)
        guard status == REDIS_OK, let reply else {
            let timedOut = context.pointee.err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)
            if status == REDIS_OK {
                // A reply-less success: hiredis never does this in blocking mode.
                throw WhaleError(.malformedData, "Redis at \(endpoint): no reply")
            }
            throw WhaleError(
                timedOut ? .timeout : .unavailable,
                "Redis at \(endpoint): \(timedOut ? "command timed out" : Self.errorString(context))"
            )
        }
        defer { freeReplyObject(reply) }
        return Self.convert(reply.assumingMemoryBound(to: redisReply.self))
    }

    /// An error reply as a `WhaleError`: the server's transient states
    /// (loading, busy script, failover, cluster resharding) are retriable
    /// `.unavailable`; everything else is the command's fault, `.invalidInput`.
    static func replyError(_ message: String) -> WhaleError {
        let prefix = message.prefix(while: { $0 != " " })
        switch prefix {
        case "LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN":
            return WhaleError(.unavailable, "Redis replied: \(message)")
        case "NOAUTH", "WRONGPASS":
            return WhaleError(.unauthenticated, "Redis replied: \(message)")
        case "NOPERM":
            return WhaleError(.permissionDenied, "Redis replied: \(message)")
        default:
            return WhaleError(.invalidInput, "Redis replied: \(message)")
        }
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let r = reply.pointee
        switch r.type {
        case REDIS_REPLY_STRING:
            return .bulkString(bytes(r.str, r.len))
        case REDIS_REPLY_STATUS:
            return .simpleString(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_ERROR:
            return .error(String(decoding: bytes(r.str, r.len), as: UTF8.self))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(r.integer))
        case REDIS_REPLY_NIL:
            return .null
        case REDIS_REPLY_ARRAY:
            var elements: [RedisValue] = []
            elements.reserveCapacity(Int(r.elements))
            for index in 0..<Int(r.elements) {
                if let element = r.element[index] {
                    elements.append(convert(element))
                }
            }
            return .array(elements)
        default:
            return .error("unsupported reply type \(r.type)")
        }
    }

    private static func bytes(_ pointer: UnsafeMutablePointer<CChar>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    private static func errorString(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}

private func makeTimeval(_ duration: Duration) -> timeval {
    let nanos = max(duration.whaleNanoseconds, 1_000)
    return timeval(tv_sec: .init(nanos / 1_000_000_000), tv_usec: .init(nanos % 1_000_000_000 / 1_000))
}
