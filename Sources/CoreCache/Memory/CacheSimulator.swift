internal import CWhaleZstd
import CoreProtocols

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replays a trace of keys against a cache policy and counts the hits
/// (`whale cache simulate`).
///
/// ``run(keys:capacity:policy:)`` drives the very policy code of ``MemoryCache``
/// (the same W-TinyLFU core: window, segmented main area, sketch with
/// doorkeeper, hill climber), single-threaded and bounded by entry count, so a
/// figure it prints is the figure the cache reaches on that workload. Every
/// miss inserts the key, as a read-through cache does.
///
/// Traces in the format of the ARC traces read with ``readTrace(path:)`` or
/// ``arcTraceKeys(_:)``; these traces come with N. Megiddo and D. S. Modha,
/// "ARC: A Self-Tuning, Low Overhead Replacement Cache", USENIX FAST 2003,
/// which must be cited wherever they are used.
///
/// ```swift
/// let keys = try CacheSimulator.readTrace(path: "OLTP.lis.zst")
/// let result = CacheSimulator.run(keys: keys, capacity: 1_000, policy: .wTinyLFU)
/// print(result.hitRatio)   // ≈ 0.40
/// ```
public enum CacheSimulator {
    /// Replays `keys` against a cache of `capacity` entries run by `policy`.
    /// - Parameters:
    ///   - keys: the requests, in order.
    ///   - capacity: the most entries the cache holds; 0 or less gives a cache
    ///     that holds nothing (every request misses).
    ///   - policy: the eviction policy.
    /// - Returns: requests, hits and hit ratio.
    public static func run(keys: some Sequence<UInt64>, capacity: Int, policy: CacheSimulationPolicy)
        -> CacheSimulationResult
    {
        guard capacity > 0 else {
            var requests = 0
            for _ in keys { requests += 1 }
            return CacheSimulationResult(requests: requests, hits: 0)
        }
        let capacity = min(capacity, WTinyLFUPolicy.maximumNodes - WTinyLFUPolicy.reservedNodes)
        var core = WTinyLFUPolicy(
            kind: policy == .lru ? .lru : .adaptive,
            maximum: capacity,
            weighted: false,
            now: 0
        )
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(min(capacity, 1 << 20) + 1)
        var keysByNode: [UInt64] = Array(repeating: 0, count: WTinyLFUPolicy.reservedNodes)
        var victims: [WTinyLFUPolicy.Victim] = []
        var requests = 0
        var hits = 0
        for key in keys {
            requests += 1
            if let reference = table[key] {
                hits += 1
                core.recordAccess(reference)
                continue
            }
            let reference = core.add(hash: key, weight: 1, expiresAt: .max)
            let index = Int(truncatingIfNeeded: reference & 0xFFFF_FFFF)
            if index == keysByNode.count {
                keysByNode.append(key)
            } else {
                keysByNode[index] = key
            }
            table[key] = reference
            core.evict(into: &victims)
            for victim in victims {
                table[keysByNode[Int(victim.index)]] = nil
            }
            victims.removeAll(keepingCapacity: true)
            core.climb()
        }
        return CacheSimulationResult(requests: requests, hits: hits)
    }

    /// The keys of a trace in the ARC format: each line `start count _ _`
    /// stands for the requests `start`, `start + 1`, …, `start + count - 1`;
    /// fields are separated by blanks, fields after the second are ignored,
    /// and empty lines are skipped.
    /// - Throws: `WhaleError(.malformedData)` naming the line number (from 1)
    ///   when a line has fewer than two fields, a field that is not an
    ///   unsigned decimal integer, a count above 1 000 000, or a range past
    ///   `UInt64.max`.
    public static func arcTraceKeys(_ text: some StringProtocol) throws -> [UInt64] {
        if let keys = try text.utf8.withContiguousStorageIfAvailable({ try parseARCTrace($0) }) {
            return keys
        }
        return try Array(text.utf8).withUnsafeBufferPointer { try parseARCTrace($0) }
    }

    /// Reads a trace file in the ARC format, compressed with zstd or not (told
    /// apart by zstd's magic number), and returns its keys.
    /// - Throws: `WhaleError(.io)` when the file cannot be read;
    ///   `WhaleError(.malformedData)` when it is a damaged or truncated zstd
    ///   stream or a line is malformed (see ``arcTraceKeys(_:)``).
    public static func readTrace(path: String) throws -> [UInt64] {
        let bytes = try TraceFile.read(path: path)
        return try bytes.withUnsafeBufferPointer { try parseARCTrace($0) }
    }

    /// The ARC-format parser over UTF-8 bytes.
    static func parseARCTrace(_ bytes: UnsafeBufferPointer<UInt8>) throws -> [UInt64] {
        var keys: [UInt64] = []
        var lineNumber = 0
        var position = 0
        let end = bytes.count
        while position < end {
            lineNumber += 1
            var lineEnd = position
            while lineEnd < end && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var fields: (UInt64, UInt64) = (0, 0)
            var fieldCount = 0
            var index = position
            while index < lineEnd && fieldCount < 2 {
                let byte = bytes[index]
                if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
                    index += 1
                    continue
                }
                var value: UInt64 = 0
                let start = index
                while index < lineEnd {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") { break }
                    guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else {
                        throw malformed(lineNumber, "field \(fieldCount + 1) is not an unsigned integer")
                    }
                    let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                    if overflow1 || overflow2 {
                        throw malformed(lineNumber, "field \(fieldCount + 1) exceeds \(UInt64.max)")
                    }
                    value = sum
                    index += 1
                }
                if index == start { break }
                if fieldCount == 0 { fields.0 = value } else { fields.1 = value }
                fieldCount += 1
            }
            if fieldCount == 0 {
                // Only blanks (or nothing) on this line.
                position = lineEnd + 1
                continue
            }
            guard fieldCount == 2 else {
                throw malformed(lineNumber, "expected `start count`, found one field")
            }
            let (first, count) = fields
            guard count <= 1_000_000 else {
                throw malformed(lineNumber, "count \(count) exceeds 1000000")
            }
            if count > 0 {
                let (last, overflow) = first.addingReportingOverflow(count - 1)
                if overflow { throw malformed(lineNumber, "the range \(first) + \(count) exceeds \(UInt64.max)") }
                keys.append(contentsOf: first...last)
            }
            position = lineEnd + 1
        }
        return keys
    }

    private static func malformed(_ line: Int, _ message: String) -> WhaleError {
        WhaleError(.malformedData, "trace line \(line): \(message)")
    }
}

/// Reads a whole file, decompressing it when it is a zstd stream.
enum TraceFile {
    /// The zstd frame magic number, little-endian.
    private static let zstdMagic: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD]
    private static let chunkSize = 1 << 17

    static func read(path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw WhaleError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        let first = try readChunk(file, into: &chunk, path: path)
        if first >= 4 && Array(chunk[0..<4]) == zstdMagic {
            return try decompress(file, firstChunk: chunk, firstCount: first, path: path)
        }
        var bytes = Array(chunk[0..<first])
        while true {
            let count = try readChunk(file, into: &chunk, path: path)
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return bytes
    }

    private static func readChunk(_ file: UnsafeMutablePointer<FILE>, into chunk: inout [UInt8], path: String) throws
        -> Int
    {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
        if count < chunk.count && ferror(file) != 0 {
            throw WhaleError(.io, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        return count
    }

    /// zstd streaming decompression (`ZSTD_decompressStream`), chunk by chunk.
    private static func decompress(
        _ file: UnsafeMutablePointer<FILE>,
        firstChunk: [UInt8],
        firstCount: Int,
        path: String
    ) throws -> [UInt8] {
        guard let stream = ZSTD_createDStream() else {
            throw WhaleError(.resourceExhausted, "cannot create a zstd decompression stream")
        }
        defer { ZSTD_freeDStream(stream) }
        let initialised = ZSTD_initDStream(stream)
        if ZSTD_isError(initialised) != 0 {
            throw WhaleError(.internalError, "zstd: \(String(cString: ZSTD_getErrorName(initialised)))")
        }
        var output: [UInt8] = []
        var outputChunk = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
        var input = firstChunk
        var inputCount = firstCount
        var frameOpen = false
        while inputCount > 0 {
            var consumed = 0
            while consumed < inputCount {
                let (result, produced, used) = input.withUnsafeBytes { source in
                    outputChunk.withUnsafeMutableBytes { target in
                        var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: inputCount, pos: consumed)
                        var outBuffer = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                        let result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                        return (result, outBuffer.pos, inBuffer.pos)
                    }
                }
                if ZSTD_isError(result) != 0 {
                    throw WhaleError(.malformedData, "\(path): zstd: \(String(cString: ZSTD_getErrorName(result)))")
                }
                output.append(contentsOf: outputChunk[0..<produced])
                consumed = used
                frameOpen = result != 0
            }
            // Flush what the decoder still holds for this input.
            while frameOpen {
                let (result, produced) = outputChunk.withUnsafeMutableBytes { target in
                    var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
                    var outBuffer = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                    let result = ZSTD_decompressStream(stream, &outBuffer, &inBuffer)
                    return (result, outBuffer.pos)
                }
                if ZSTD_isError(result) != 0 {
                    throw WhaleError(.malformedData, "\(path): zstd: \(String(cString: ZSTD_getErrorName(result)))")
                }
                output.append(contentsOf: outputChunk[0..<produced])
                frameOpen = result != 0
                if produced == 0 { break }
            }
            inputCount = try readChunk(file, into: &input, path: path)
        }
        if frameOpen {
            throw WhaleError(.malformedData, "\(path): the zstd stream is truncated")
        }
        return output
    }
}
