/// Removes secrets from text before it leaves the process (logs, metrics
/// labels, error messages sent to peers).
public protocol SecretRedactor: Sendable {
    /// Returns `text` with every secret it recognises replaced by a marker.
    func redact(_ text: String) -> String

    /// Returns the value to keep for a named field: the whole value is
    /// replaced when the name itself marks a secret (`password`, `token`, …).
    /// Default: `redact(value)`.
    func redact(field name: String, value: String) -> String
}

extension SecretRedactor {
    public func redact(field name: String, value: String) -> String { redact(value) }
}
