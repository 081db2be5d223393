/// Which direction two schema versions must be compatible in (Confluent
/// Schema Registry's compatibility types).
public struct JSONSchemaCompatibilityMode: Hashable, Sendable, CustomStringConvertible {
    private enum Base: String, Hashable, Sendable { case backward, forward, full }
    private let base: Base
    private init(_ base: Base) { self.base = base }

    /// Readers with the new schema read everything written with the old one:
    /// every instance valid under the old schema is valid under the new.
    public static let backward = JSONSchemaCompatibilityMode(.backward)
    /// Readers with the old schema read everything written with the new one.
    public static let forward = JSONSchemaCompatibilityMode(.forward)
    /// Both backward and forward.
    public static let full = JSONSchemaCompatibilityMode(.full)

    /// The mode named `backward`, `forward` or `full` (case-insensitive).
    public init?(name: String) {
        guard let base = Base(rawValue: name.lowercased()) else { return nil }
        self.base = base
    }

    var checksBackward: Bool { base != .forward }
    var checksForward: Bool { base != .backward }

    public var description: String { base.rawValue }
}
