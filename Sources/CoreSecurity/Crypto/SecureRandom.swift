internal import CWhaleOpenSSL
public import CoreProtocols

/// Cryptographically secure random bytes from OpenSSL's DRBG (`RAND_bytes`).
public enum SecureRandom {
    /// The largest request one call accepts: 1 MiB.
    public static let maximumCount = 1 << 20

    /// Returns `count` random bytes.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidInput` for a negative count or one over
    ///   ``maximumCount``; `.internalError` when the generator fails.
    public static func bytes(count: Int) throws -> [UInt8] {
        guard (0...maximumCount).contains(count) else {
            throw WhaleError(.invalidInput, "asked for \(count) random bytes; allowed: 0...\(maximumCount)")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        let status = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard status == 1 else { throw OpenSSLError.failure("RAND_bytes") }
        return bytes
    }
}
