internal import CWhaleRedis
import CoreProtocols

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one hiredis `redisContext` and frees it in `deinit`. Blocking; not
/// thread-safe: ``RedisConnection`` confines it to one serial queue.
final class HiredisContext {
    private let context: UnsafeMutablePointer<redisContext>
    private let endpoint: ServiceEndpoint

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
        if let password = configuration.password {
            var auth = ["AUTH"]
            if let username = configuration.username { auth.append(username) }
            auth.append(password)
            do {
                _ = try command(auth.map { Array($0.utf8) })
            } catch let error as WhaleError {
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

    /// Sends one command (binary-safe arguments) and reads its reply.
    func command(_ arguments: [[UInt8]]) throws -> RedisValue {
        guard !arguments.isEmpty else {
            throw WhaleError(.invalidInput, "empty Redis command")
        }
        var lengths = arguments.map { $0.count }
        let reply: UnsafeMutableRawPointer? = withPointers(to: arguments) { pointers in
            redisCommandArgv(context, Int32(arguments.count), pointers, &lengths)
        }
        guard let reply else {
            let timedOut = context.pointee.err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)
            throw WhaleError(
                timedOut ? .timeout : .unavailable,
                "Redis at \(endpoint): \(timedOut ? "command timed out" : Self.errorString(context))"
            )
        }
        defer { freeReplyObject(reply) }
        let value = Self.convert(reply.assumingMemoryBound(to: redisReply.self))
        if case .error(let message) = value {
            throw Self.replyError(message)
        }
        return value
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

/// Calls `body` with a C array of pointers to each argument's bytes.
private func withPointers<R>(
    to arguments: [[UInt8]],
    _ body: (UnsafeMutablePointer<UnsafePointer<CChar>?>?) -> R
) -> R {
    var pointers: [UnsafePointer<CChar>?] = []
    pointers.reserveCapacity(arguments.count)
    var storage: [UnsafeMutablePointer<CChar>] = []
    storage.reserveCapacity(arguments.count)
    defer { storage.forEach { $0.deallocate() } }
    for argument in arguments {
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(argument.count, 1))
        argument.withUnsafeBytes { raw in
            if let base = raw.baseAddress {
                UnsafeMutableRawPointer(copy).copyMemory(from: base, byteCount: raw.count)
            }
        }
        storage.append(copy)
        pointers.append(UnsafePointer(copy))
    }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress) }
}
