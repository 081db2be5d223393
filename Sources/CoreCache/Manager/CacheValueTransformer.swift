import CoreProtocols
internal import CWhaleZstd

/// A reversible step applied to a value's bytes after encoding and before
/// they go to L2 and L3: compression now, encryption at rest later.
///
/// The manager writes ``identifier`` into each entry's envelope, so entries
/// written without a transformer (or with another one) stay readable.
public protocol CacheValueTransformer: Sendable {
    /// Names the transformation in the envelope: 1…32 characters from
    /// `[a-z0-9-]`, e.g. `"zstd"`.
    var identifier: String { get }
    /// Transforms encoded bytes before they are stored.
    func transform(_ bytes: [UInt8]) throws -> [UInt8]
    /// Undoes ``transform(_:)`` on bytes read back.
    func restore(_ bytes: [UInt8]) throws -> [UInt8]
}

/// Zstandard compression (libzstd through the `CWhaleZstd` shim).
///
/// Values shorter than ``minimumBytes`` are stored as they are (compression
/// would cost more than it saves); the envelope records which entries were
/// compressed. ``restore(_:)`` refuses frames that claim to expand beyond
/// ``maximumRestoredBytes``, so a corrupt or hostile entry cannot exhaust memory.
public struct ZstdCompression: CacheValueTransformer {
    public var identifier: String { "zstd" }
    /// The zstd level, 1 (fast) … 19 (small). Default: 3.
    public let level: Int32
    /// Values shorter than this are left uncompressed. Default: 256 bytes.
    public let minimumBytes: Int
    /// The largest value ``restore(_:)`` produces. Default: 64 MiB.
    public let maximumRestoredBytes: Int

    /// Creates the transformer.
    /// - Throws: `WhaleError(.invalidConfiguration)` for a level outside 1…19
    ///   or a negative size.
    public init(level: Int32 = 3, minimumBytes: Int = 256, maximumRestoredBytes: Int = 64 << 20) throws {
        guard (1...19).contains(level) else {
            throw WhaleError(.invalidConfiguration, "zstd level must be within 1…19, not \(level)")
        }
        guard minimumBytes >= 0, maximumRestoredBytes > 0 else {
            throw WhaleError(.invalidConfiguration, "zstd minimumBytes must be ≥ 0 and maximumRestoredBytes > 0")
        }
        self.level = level
        self.minimumBytes = minimumBytes
        self.maximumRestoredBytes = maximumRestoredBytes
    }

    /// The marker in front of every stored value: 0 = stored as is, 1 = zstd frame.
    private enum Marker: UInt8 {
        case raw = 0
        case compressed = 1
    }

    public func transform(_ bytes: [UInt8]) throws -> [UInt8] {
        guard bytes.count >= minimumBytes else { return [Marker.raw.rawValue] + bytes }
        let bound = ZSTD_compressBound(bytes.count)
        var output = [UInt8](repeating: 0, count: bound + 1)
        output[0] = Marker.compressed.rawValue
        let written = output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBytes { input in
                ZSTD_compress(out.baseAddress.map { $0 + 1 }, bound, input.baseAddress, input.count, level)
            }
        }
        if ZSTD_isError(written) != 0 {
            throw WhaleError(.internalError, "zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        guard written < bytes.count else { return [Marker.raw.rawValue] + bytes }
        output.removeLast(output.count - 1 - written)
        return output
    }

    public func restore(_ bytes: [UInt8]) throws -> [UInt8] {
        guard let first = bytes.first, let marker = Marker(rawValue: first) else {
            throw WhaleError(.malformedData, "zstd cache value has no valid marker byte")
        }
        let body = bytes.dropFirst()
        if marker == .raw { return Array(body) }
        return try body.withUnsafeBytes { input in
            let declared = ZSTD_getFrameContentSize(input.baseAddress, input.count)
            // ZSTD_CONTENTSIZE_UNKNOWN / _ERROR are the two largest values.
            guard declared < UInt64.max - 1 else {
                throw WhaleError(.malformedData, "zstd cache value is not a frame with a known size")
            }
            guard declared <= UInt64(maximumRestoredBytes) else {
                throw WhaleError(
                    .malformedData,
                    "zstd cache value claims \(declared) bytes, over the limit of \(maximumRestoredBytes)"
                )
            }
            var output = [UInt8](repeating: 0, count: Int(declared))
            let restored = output.withUnsafeMutableBytes { out in
                ZSTD_decompress(out.baseAddress, out.count, input.baseAddress, input.count)
            }
            guard ZSTD_isError(restored) == 0, restored == Int(declared) else {
                throw WhaleError(.malformedData, "zstd cache value does not decompress")
            }
            return output
        }
    }
}
