/// Why an operation failed (`error_code` in a response payload).
///
/// Python: the `ERROR_*` constants. On the wire it is a lowercase string (`"invalid_request"`).
///
/// An extensible set rather than a closed `enum`: a newer peer may send a value
/// this version does not know, and that must not make the whole message
/// undecodable. An unknown value decodes to an instance with that raw value
/// (``isKnown`` is `false`) and is encoded back unchanged. Compare with the
/// static members; ``allKnown`` lists them.
public struct MessageErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire value, e.g. `"invalid_request"`.
    public let rawValue: String

    /// Wraps a wire value; any string is accepted, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `"invalid_request"`: The request was malformed or asked for something impossible.
    public static let invalidRequest = MessageErrorCode(rawValue: "invalid_request")
    /// `"no_data_found"`: Nothing matched the request.
    public static let noDataFound = MessageErrorCode(rawValue: "no_data_found")
    /// `"source_unavailable"`: The data source did not answer.
    public static let sourceUnavailable = MessageErrorCode(rawValue: "source_unavailable")
    /// `"processing_failed"`: Processing the data failed.
    public static let processingFailed = MessageErrorCode(rawValue: "processing_failed")
    /// `"timeout"`: The operation ran out of time.
    public static let timeout = MessageErrorCode(rawValue: "timeout")
    /// `"unknown_error"`: Any other failure.
    public static let unknownError = MessageErrorCode(rawValue: "unknown_error")

    /// Every value the contract defines, in the spec's order.
    public static let allKnown: [MessageErrorCode] = [.invalidRequest, .noDataFound, .sourceUnavailable, .processingFailed, .timeout, .unknownError]

    /// Whether this is one of ``allKnown`` (`false` for a value from a newer peer).
    public var isKnown: Bool { Self.allKnown.contains(self) }

    /// The wire value.
    public var description: String { rawValue }
}
