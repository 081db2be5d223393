import CoreProtocols

/// What the manager stores in L2 and L3 for one entry: a one-line text header
/// and the payload, so `redis-cli GET` shows when an entry was written, when
/// it goes stale, and (for JSON) the value itself:
///
/// ```
/// swc1 s=1764072000000 e=1764072300000\n{"name":"Sara"}
/// swc1 s=1764072000000 e=1764072030000 n\n                  (a cached "not found")
/// swc1 s=1764072000000 e=1764072300000 x=zstd\n<transformed bytes>
/// ```
///
/// `s` is when the value was stored and `e` when it stops being fresh, both in
/// milliseconds since the Unix epoch; the tier keeps the entry longer than `e`
/// (by the fail-safe window) so a stale copy can be served when the loader
/// fails. `n` marks a negative entry; `x` names the transformer applied to the
/// payload.
struct CacheEnvelope: Sendable, Equatable {
    var storedAt: WhaleInstant
    var freshUntil: WhaleInstant
    var isNegative: Bool
    var transformer: String?
    var payload: [UInt8]

    private static let magic = Array("swc1".utf8)
    private static let headerLimit = 256

    func encoded() -> [UInt8] {
        var header = "swc1 s=\(storedAt.envelopeMilliseconds) e=\(freshUntil.envelopeMilliseconds)"
        if isNegative { header += " n" }
        if let transformer { header += " x=\(transformer)" }
        header += "\n"
        return Array(header.utf8) + payload
    }

    /// Parses stored bytes.
    /// - Throws: `WhaleError(.malformedData)` when they are not an envelope.
    init(decoding bytes: [UInt8]) throws {
        let limit = min(bytes.count, Self.headerLimit)
        guard let newline = bytes[..<limit].firstIndex(of: UInt8(ascii: "\n")) else {
            throw WhaleError(.malformedData, "cache entry has no envelope header")
        }
        let fields = bytes[..<newline].split(separator: UInt8(ascii: " "))
        guard let first = fields.first, Array(first) == Self.magic else {
            throw WhaleError(.malformedData, "cache entry is not a swc1 envelope")
        }
        var stored: Int64?
        var fresh: Int64?
        var negative = false
        var transformer: String?
        for field in fields.dropFirst() {
            let text = String(decoding: field, as: UTF8.self)
            if text == "n" {
                negative = true
            } else if text.hasPrefix("s=") {
                stored = Int64(text.dropFirst(2))
            } else if text.hasPrefix("e=") {
                fresh = Int64(text.dropFirst(2))
            } else if text.hasPrefix("x=") {
                transformer = String(text.dropFirst(2))
            } else {
                throw WhaleError(.malformedData, "cache entry envelope has an unknown field '\(text)'")
            }
        }
        guard let stored, let fresh else {
            throw WhaleError(.malformedData, "cache entry envelope lacks its s= or e= field")
        }
        self.storedAt = WhaleInstant(envelopeMilliseconds: stored)
        self.freshUntil = WhaleInstant(envelopeMilliseconds: fresh)
        self.isNegative = negative
        self.transformer = transformer
        self.payload = Array(bytes[(newline + 1)...])
    }

    init(storedAt: WhaleInstant, freshUntil: WhaleInstant, isNegative: Bool, transformer: String?, payload: [UInt8]) {
        self.storedAt = storedAt
        self.freshUntil = freshUntil
        self.isNegative = isNegative
        self.transformer = transformer
        self.payload = payload
    }
}

extension WhaleInstant {
    fileprivate var envelopeMilliseconds: Int64 { nanosecondsSinceEpoch / 1_000_000 }

    fileprivate init(envelopeMilliseconds milliseconds: Int64) {
        let (product, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
        self.init(nanosecondsSinceEpoch: overflow ? (milliseconds < 0 ? .min : .max) : product)
    }
}
