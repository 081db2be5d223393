public import CoreProtocols

/// What ``DataRequest`` and ``DataResponse`` share: an envelope of
/// ``MessageMetadata`` and a payload, read and written through its dictionary
/// view (Python's `to_dict` / `from_dict`). The JSON forms, `Codable` and the
/// validity checks come with the protocol, built on those three requirements.
public protocol ContractMessage: Codable, Hashable, Sendable {
    /// What the message is called in error messages, e.g. `"data request"`.
    static var kind: String { get }
    /// The message's metadata.
    var metadata: MessageMetadata { get }
    /// Reads the message from its dictionary view (`from_dict`).
    init(dictionary: [String: JSONValue]) throws
    /// The dictionary view (`to_dict`), unknown fields included.
    func toDictionary() -> [String: JSONValue]
    /// Throws `WhaleError` `.invalidInput` listing every empty required field.
    func validate() throws
    /// The fields whose enum value is not one this version knows (a newer
    /// peer's, or a typo), as `path: 'value'`, e.g. `payload.data_type: 'hologram'`.
    var unknownValueFields: [String] { get }
}

extension ContractMessage {
    /// Reads the message from JSON text (`from_json`).
    /// - Throws: `WhaleError` `.malformedData`: malformed JSON, JSON that is not an
    ///   object, or the errors of ``init(dictionary:)``.
    public init(json: String) throws {
        try self.init(dictionary: ContractEnvelope.parseObject({ try JSONValue(parsing: json) }, kind: Self.kind))
    }

    /// Reads the message from UTF-8 JSON bytes (a Kafka message's value).
    /// - Throws: as `init(json:)`.
    public init(json bytes: some Collection<UInt8>) throws {
        try self.init(dictionary: ContractEnvelope.parseObject({ try JSONValue(parsing: bytes) }, kind: Self.kind))
    }

    /// The message as compact JSON text (`to_json`), keys sorted.
    public func toJSON() -> String {
        JSONValue.object(toDictionary()).encodedString()
    }

    /// The message as compact UTF-8 JSON bytes, ready to send as a Kafka message's value.
    public func toJSONBytes() -> [UInt8] {
        JSONValue.object(toDictionary()).encoded()
    }

    /// Decodes through the dictionary view; errors are those of ``init(dictionary:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(dictionary: ContractEnvelope.parseObject({ try JSONValue(from: decoder) }, kind: Self.kind))
    }

    /// Encodes the dictionary view.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(toDictionary()).encode(to: encoder)
    }

    /// Whether the required fields are filled in (`is_valid_data_request` /
    /// `is_valid_data_response`); see ``validate()``.
    public var isValid: Bool {
        (try? validate()) != nil
    }

    /// ``validate()``, then refuses enum values this version does not know
    /// (``unknownValueFields``): the check the Kafka service makes before it
    /// sends a message and before it hands a received one to a handler.
    /// - Throws: `WhaleError` `.invalidInput` listing every empty required
    ///   field, or every field with an unknown value.
    public func validateStrictly() throws {
        try validate()
        let unknown = unknownValueFields
        guard unknown.isEmpty else {
            throw WhaleError(.invalidInput, "\(Self.kind) has unknown enum values: \(unknown.joined(separator: ", "))")
        }
    }

    /// Whether a dictionary is a valid message (`is_valid_…` on a dict): it
    /// decodes and ``isValid`` holds.
    public static func isValid(dictionary: [String: JSONValue]) -> Bool {
        (try? validate(dictionary: dictionary)) != nil
    }

    /// Checks what ``isValid(dictionary:)`` checks.
    /// - Throws: the errors of ``init(dictionary:)`` (`.malformedData`, listing every
    ///   missing required field), then those of ``validate()`` (`.invalidInput`).
    public static func validate(dictionary: [String: JSONValue]) throws {
        try Self(dictionary: dictionary).validate()
    }

    /// Whether the message has expired at `now`; see ``MessageMetadata/isExpired(now:)``.
    public func isExpired(now: WhaleInstant) -> Bool {
        metadata.isExpired(now: now)
    }
}
