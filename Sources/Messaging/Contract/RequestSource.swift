/// Who started a request (`request_source` in the metadata).
///
/// Python: `RequestSource` and the `REQUEST_SOURCE_*` constants. On the wire it is a lowercase string (`"user"`).
///
/// An extensible set rather than a closed `enum`: a newer peer may send a value
/// this version does not know, and that must not make the whole message
/// undecodable. An unknown value decodes to an instance with that raw value
/// (``isKnown`` is `false`) and is encoded back unchanged. Compare with the
/// static members; ``allKnown`` lists them.
public struct RequestSource: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire value, e.g. `"user"`.
    public let rawValue: String

    /// Wraps a wire value; any string is accepted, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `"user"`: A user asked (the default, `DEFAULT_REQUEST_SOURCE`).
    public static let user = RequestSource(rawValue: "user")
    /// `"model"`: A model asked internally.
    public static let model = RequestSource(rawValue: "model")
    /// `"system"`: The system itself asked.
    public static let system = RequestSource(rawValue: "system")
    /// `"scheduled"`: A schedule fired.
    public static let scheduled = RequestSource(rawValue: "scheduled")
    /// `"api"`: An API client asked.
    public static let api = RequestSource(rawValue: "api")

    /// Every value the contract defines, in the spec's order.
    public static let allKnown: [RequestSource] = [.user, .model, .system, .scheduled, .api]

    /// Whether this is one of ``allKnown`` (`false` for a value from a newer peer).
    public var isKnown: Bool { Self.allKnown.contains(self) }

    /// The wire value.
    public var description: String { rawValue }
}
