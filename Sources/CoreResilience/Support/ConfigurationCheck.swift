public import CoreProtocols

/// Validation shared by every policy's configuration: a failed check is a
/// ``CoreProtocols/WhaleError`` `.invalidConfiguration` whose message starts
/// with the field's name.
enum ConfigurationCheck {
    /// Throws when `condition` is false.
    static func require(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) throws {
        if !condition {
            throw WhaleError(.invalidConfiguration, "\(field): \(message())")
        }
    }

    /// Throws unless `value` is greater than zero.
    static func positive(_ value: Duration, _ field: String) throws {
        try require(value > .zero, field, "must be greater than zero, got \(value)")
    }

    /// Throws unless `value` is greater than zero.
    static func positive(_ value: Int, _ field: String) throws {
        try require(value > 0, field, "must be greater than zero, got \(value)")
    }

    /// Throws unless `value` is a percentage in 0…100 (exclusive of 0 when `allowZero` is false).
    static func percentage(_ value: Double, _ field: String, allowZero: Bool = false) throws {
        let valid = value.isFinite && value <= 100 && (allowZero ? value >= 0 : value > 0)
        try require(valid, field, "must be a percentage in \(allowZero ? "0" : "(0")…100], got \(value)")
    }
}
