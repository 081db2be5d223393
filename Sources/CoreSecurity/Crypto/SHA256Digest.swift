internal import CWhaleOpenSSL
public import CoreProtocols

/// SHA-256 through OpenSSL's EVP interface.
public enum SHA256Digest {
    /// The digest length in bytes: 32.
    public static let byteCount = 32

    /// The SHA-256 digest of `bytes`.
    /// - Throws: ``CoreProtocols/WhaleError`` `.internalError` when OpenSSL fails (it does
    ///   not for valid input; the error path exists so nothing crashes).
    public static func hash(_ bytes: some Collection<UInt8>) throws -> [UInt8] {
        if let digest = try bytes.withContiguousStorageIfAvailable({ try hash(UnsafeRawBufferPointer($0)) }) {
            return digest
        }
        return try Array(bytes).withUnsafeBytes { try hash($0) }
    }

    private static func hash(_ input: UnsafeRawBufferPointer) throws -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: byteCount)
        var length: UInt32 = 0
        let status = {
            digest.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
            }
        }()
        guard status == 1, length == byteCount else { throw OpenSSLError.failure("EVP_Digest(SHA-256)") }
        return digest
    }

    /// The lowercase hexadecimal form of a digest.
    public static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
