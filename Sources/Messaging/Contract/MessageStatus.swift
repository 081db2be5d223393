/// The outcome a response reports (`status` in a response payload).
///
/// Python: the `MESSAGE_STATUS_*` constants. On the wire it is a lowercase string (`"success"`).
///
/// An extensible set rather than a closed `enum`: a newer peer may send a value
/// this version does not know, and that must not make the whole message
/// undecodable. An unknown value decodes to an instance with that raw value
/// (``isKnown`` is `false`) and is encoded back unchanged. Compare with the
/// static members; ``allKnown`` lists them.
public struct MessageStatus: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire value, e.g. `"success"`.
    public let rawValue: String

    /// Wraps a wire value; any string is accepted, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `"success"`: The operation succeeded (the default status of a response).
    public static let success = MessageStatus(rawValue: "success")
    /// `"error"`: The operation failed; see `error_code` and `error_message`.
    public static let error = MessageStatus(rawValue: "error")
    /// `"pending"`: The operation is still running.
    public static let pending = MessageStatus(rawValue: "pending")
    /// `"partial"`: Part of the data is here; more may follow.
    public static let partial = MessageStatus(rawValue: "partial")
    /// `"timeout"`: The operation ran out of time.
    public static let timeout = MessageStatus(rawValue: "timeout")

    /// Every value the contract defines, in the spec's order.
    public static let allKnown: [MessageStatus] = [.success, .error, .pending, .partial, .timeout]

    /// Whether this is one of ``allKnown`` (`false` for a value from a newer peer).
    public var isKnown: Bool { Self.allKnown.contains(self) }

    /// The wire value.
    public var description: String { rawValue }
}
