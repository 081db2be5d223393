import CoreProtocols

/// What a cache key and a tag may be, checked by every tier and the manager.
///
/// A key is non-empty, at most ``maxKeyBytes`` UTF-8 bytes, and contains no
/// NUL byte (SQLite's C API and many tools stop at NUL). Anything else is
/// allowed: keys are binary-safe text. Tags follow the same rules.
public struct CacheKeyRules: Sendable, Hashable {
    /// The longest key, in UTF-8 bytes. Default: 1 024.
    public var maxKeyBytes: Int

    /// The default rules.
    public static let `default` = CacheKeyRules()

    /// Creates rules.
    public init(maxKeyBytes: Int = 1_024) {
        self.maxKeyBytes = maxKeyBytes
    }

    /// Throws unless `key` is a valid key.
    /// - Throws: `WhaleError(.invalidInput)` naming the problem.
    public func check(key: String) throws {
        try check(key, kind: "key")
    }

    /// Throws unless `tag` is a valid tag.
    /// - Throws: `WhaleError(.invalidInput)` naming the problem.
    public func check(tag: String) throws {
        try check(tag, kind: "tag")
    }

    /// Throws unless `value` fits `limit` bytes.
    /// - Throws: `WhaleError(.invalidInput)` with the sizes and the tier.
    public static func check(value: [UInt8], key: String, limit: Int, tier: String) throws {
        guard value.count <= limit else {
            throw WhaleError(
                .invalidInput,
                "cache value for '\(preview(key))' is \(value.count) bytes, over \(tier)'s limit of \(limit)"
            )
        }
    }

    private func check(_ text: String, kind: String) throws {
        let bytes = text.utf8.count
        guard bytes > 0 else { throw WhaleError(.invalidInput, "cache \(kind) is empty") }
        guard bytes <= maxKeyBytes else {
            throw WhaleError(
                .invalidInput,
                "cache \(kind) '\(Self.preview(text))' is \(bytes) bytes, over the limit of \(maxKeyBytes)"
            )
        }
        guard !text.utf8.contains(0) else {
            throw WhaleError(.invalidInput, "cache \(kind) '\(Self.preview(text))' contains a NUL byte")
        }
    }

    /// The first 64 characters of a key, for error messages.
    static func preview(_ text: String) -> String {
        text.count <= 64 ? text : String(text.prefix(64)) + "…"
    }
}
