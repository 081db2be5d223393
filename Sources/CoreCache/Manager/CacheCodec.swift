import CoreProtocols
import Foundation

/// Turns values into the bytes the L2 and L3 tiers store, and back.
///
/// The manager calls it only when a value leaves or enters the process: L1
/// keeps values decoded. JSON (``JSONCacheCodec``) is the default because the
/// Python services and `redis-cli` can read it.
public protocol CacheCodec: Sendable {
    /// The bytes for `value`.
    func encode<Value: Encodable>(_ value: Value) throws -> [UInt8]
    /// The value stored in `bytes`.
    func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value
}

/// JSON through Foundation's coders, dates as ISO-8601 (the platform's wire
/// convention), keys sorted so equal values give equal bytes.
public struct JSONCacheCodec: CacheCodec {
    /// Creates the codec.
    public init() {}

    public func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw WhaleError(.invalidInput, "cannot encode \(Value.self) as JSON", underlying: error)
        }
    }

    public func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Value.self, from: Data(bytes))
        } catch {
            throw WhaleError(.malformedData, "cached bytes do not decode as \(Value.self)", underlying: error)
        }
    }
}
