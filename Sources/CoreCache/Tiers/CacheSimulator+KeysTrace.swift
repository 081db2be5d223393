import CoreProtocols

extension CacheSimulator {
    /// Reads a trace with one key per line (any text; compressed with zstd or
    /// not) and returns a stable 64-bit FNV-1a hash per line, for
    /// ``run(keys:capacity:policy:)``. Empty lines are skipped.
    /// - Throws: `WhaleError(.io)` or `.malformedData` as ``readTrace(path:)``.
    public static func readKeysTrace(path: String) throws -> [UInt64] {
        let bytes = try TraceFile.read(path: path)
        var keys: [UInt64] = []
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var lineIsEmpty = true
        for byte in bytes {
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                if !lineIsEmpty { keys.append(hash) }
                hash = 0xcbf2_9ce4_8422_2325
                lineIsEmpty = true
            } else {
                hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
                lineIsEmpty = false
            }
        }
        if !lineIsEmpty { keys.append(hash) }
        return keys
    }
}
