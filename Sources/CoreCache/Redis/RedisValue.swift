/// One reply from Redis (RESP2 types).
public enum RedisValue: Hashable, Sendable {
    /// A status reply such as `OK` or `PONG`.
    case simpleString(String)
    /// A binary-safe string.
    case bulkString([UInt8])
    /// An integer reply.
    case integer(Int64)
    /// An array reply.
    indirect case array([RedisValue])
    /// The null reply (a missing key).
    case null
    /// An error inside an array reply (a top-level error reply is thrown).
    case error(String)

    /// The reply as text, for status and bulk strings.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The reply's bytes, for bulk strings.
    public var bytes: [UInt8]? {
        if case .bulkString(let bytes) = self { return bytes }
        return nil
    }

    /// The reply as an integer.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }
}
