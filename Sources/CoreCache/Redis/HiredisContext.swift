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
    // ``append(_:)``'s reusable buffers; the bytes' capacity is kept up to
    // `retainedArgumentBytes`.
    private static let retainedArgumentBytes = 64 * 1_024
    private var argumentBytes: [UInt8] = []
    private var argumentPointers: [UnsafePointer<CChar>?] = []
    private var argumentLengths: [Int] = []

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

    /// Formats one command into hiredis's output buffer (`redisAppendCommandArgv`);
    /// nothing is sent until ``readReply()`` needs a reply.
    ///
    /// The arguments are copied into one reusable buffer first, so the pointers
    /// hiredis reads stay valid and a warm connection allocates nothing here.
    /// - Throws: `.invalidInput` for an empty command, `.resourceExhausted`
    ///   when hiredis cannot grow its buffer (the context is then unusable).
    func append(_ arguments: [[UInt8]]) throws {
        guard !arguments.isEmpty, arguments.count <= Int(Int32.max) else {
            throw WhaleError(.invalidInput, "a Redis command needs 1…\(Int32.max) arguments, got \(arguments.count)")
        }
        argumentBytes.removeAll(keepingCapacity: true)
        argumentLengths.removeAll(keepingCapacity: true)
        for argument in arguments {
            argumentBytes.append(contentsOf: argument)
            argumentLengths.append(argument.count)
        }
        // Never empty, so the buffer always has a base address.
        argumentBytes.append(0)
        let status: Int32 = argumentBytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self) else { return REDIS_ERR }
            argumentPointers.removeAll(keepingCapacity: true)
            var offset = 0
            for length in argumentLengths {
                argumentPointers.append(base + offset)
                offset += length
            }
            return argumentPointers.withUnsafeMutableBufferPointer { pointers in
                argumentLengths.withUnsafeBufferPointer { lengths in
                    redisAppendCommandArgv(context, Int32(arguments.count), pointers.baseAddress, lengths.baseAddress)
                }
            }
        }
        argumentPointers.removeAll(keepingCapacity: true)
        if argumentBytes.capacity > Self.retainedArgumentBytes {
            // Do not keep a large value's buffer for the life of the connection.
            argumentBytes = []
        }
        guard status == REDIS_OK else {
            throw WhaleError(.resourceExhausted, "Redis at \(endpoint): cannot buffer a command (\(Self.errorString(context)))")
        }
    }

    /// Reads the next reply, flushing buffered commands first (blocking, up
    /// to the command timeout per read). An error reply is returned as
    /// ``RedisValue/error(_:)``, not thrown: the connection is still in step.
    /// - Throws: `.timeout` when no reply came in the command timeout,
    ///   `.unavailable` when the socket failed; the context is then broken.
    func readReply() throws -> RedisValue {
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
