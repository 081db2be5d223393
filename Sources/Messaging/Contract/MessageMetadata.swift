public import CoreProtocols
import Foundation

/// The metadata every Smart Whale message carries (`"metadata"` of an envelope).
///
/// Wire shape (snake_case, as Python's `MessageMetadata.to_dict()` writes it, every
/// field present and absent optionals as `null`):
///
/// ```json
/// {"request_id": "…", "timestamp": "2024-05-01T12:30:45.123456", "source": "balance",
///  "destination": "data", "priority": 3, "request_source": "user",
///  "correlation_id": null, "trace_id": null, "session_id": null,
///  "retry_count": 0, "ttl": null, "expires_at": null}
/// ```
///
/// Decoding requires `request_id`, `timestamp`, `source` and `destination` (the
/// fields `is_valid_data_request` checks); the others take Python's defaults when
/// absent or `null`. Fields this version does not know are kept in
/// ``unknownFields`` and written back on encoding.
public struct MessageMetadata: Hashable, Sendable, Codable {
    /// The message's id, a lowercase UUID string for messages made here (`request_id`).
    /// Default: a new random UUID.
    public var requestID: String
    /// When the message was made (`timestamp`). Default: now.
    public var timestamp: MessageTimestamp
    /// The module that sent it, e.g. `"balance"` (`source`). Default: `"balance"`.
    public var source: String
    /// The module (or model) it is for, e.g. `"data"` (`destination`). Default: `"data"`.
    public var destination: String
    /// How urgent it is; an integer 1…5 on the wire (`priority`). Default: ``Priority/medium``.
    public var priority: Priority
    /// Who started the request (`request_source`). Default: ``RequestSource/user``.
    public var requestSource: RequestSource
    /// Links related messages, e.g. a response to its request (`correlation_id`). Default: none.
    public var correlationID: String?
    /// Traces a chain of processing steps (`trace_id`). Default: none.
    public var traceID: String?
    /// The user's session, if any (`session_id`). Default: none.
    public var sessionID: String?
    /// How many times delivery was retried (`retry_count`). Default: 0.
    public var retryCount: Int
    /// How long the message stays valid after ``timestamp``, in seconds (`ttl`). Default: none.
    public var ttl: Int?
    /// When the message stops being valid (`expires_at`). Default: none.
    public var expiresAt: MessageTimestamp?
    /// Fields a newer peer sent that this version does not know, by wire name;
    /// written back unchanged. Default: none.
    public var unknownFields: [String: JSONValue]

    /// The wire names of the fields, in the spec's order.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case requestID = "request_id"
        case timestamp
        case source
        case destination
        case priority
        case requestSource = "request_source"
        case correlationID = "correlation_id"
        case traceID = "trace_id"
        case sessionID = "session_id"
        case retryCount = "retry_count"
        case ttl
        case expiresAt = "expires_at"
    }

    /// The fields a decoded metadata object must have: `request_id`, `timestamp`,
    /// `source`, `destination`.
    public static let requiredFields: [String] = requiredKeys.map(\.stringValue)

    static let requiredKeys: [CodingKeys] = [.requestID, .timestamp, .source, .destination]

    /// Creates metadata; every argument has the Python default.
    public init(
        requestID: String = MessageMetadata.makeRequestID(),
        timestamp: MessageTimestamp = .now(),
        source: String = "balance",
        destination: String = "data",
        priority: Priority = .medium,
        requestSource: RequestSource = .user,
        correlationID: String? = nil,
        traceID: String? = nil,
        sessionID: String? = nil,
        retryCount: Int = 0,
        ttl: Int? = nil,
        expiresAt: MessageTimestamp? = nil,
        unknownFields: [String: JSONValue] = [:]
    ) {
        self.requestID = requestID
        self.timestamp = timestamp
        self.source = source
        self.destination = destination
        self.priority = priority
        self.requestSource = requestSource
        self.correlationID = correlationID
        self.traceID = traceID
        self.sessionID = sessionID
        self.retryCount = retryCount
        self.ttl = ttl
        self.expiresAt = expiresAt
        self.unknownFields = unknownFields
    }

    /// A new request id: a random UUID in lowercase, as Python's `str(uuid.uuid4())`.
    public static func makeRequestID() -> String {
        UUID().uuidString.lowercased()
    }

    // MARK: Dictionary view

    /// Reads metadata from its dictionary view (`from_dict`).
    /// - Throws: `WhaleError` `.malformedData` naming the field, e.g.
    ///   `metadata.priority: 7 is not in 1…5`, or listing every missing required field.
    public init(dictionary: [String: JSONValue]) throws {
        try self.init(ContractObjectReader(members: dictionary, path: "metadata"))
    }

    init(_ reader: ContractObjectReader) throws {
        try reader.requirePresent(Self.requiredKeys)
        self.requestID = try reader.string(CodingKeys.requestID)
        self.timestamp = try reader.timestamp(CodingKeys.timestamp)
        self.source = try reader.string(CodingKeys.source)
        self.destination = try reader.string(CodingKeys.destination)
        self.priority = try reader.priority(CodingKeys.priority)
        self.requestSource = RequestSource(
            rawValue: try reader.string(CodingKeys.requestSource, default: RequestSource.user.rawValue)
        )
        self.correlationID = try reader.optionalString(CodingKeys.correlationID)
        self.traceID = try reader.optionalString(CodingKeys.traceID)
        self.sessionID = try reader.optionalString(CodingKeys.sessionID)
        self.retryCount = try reader.int(CodingKeys.retryCount, default: 0)
        self.ttl = try reader.optionalInt(CodingKeys.ttl)
        self.expiresAt = try reader.optionalTimestamp(CodingKeys.expiresAt)
        self.unknownFields = reader.unknownFields(besides: CodingKeys.self)
    }

    /// The dictionary view (`to_dict`): every field under its wire name, absent
    /// optionals as `null`, plus ``unknownFields``.
    public func toDictionary() -> [String: JSONValue] {
        var members = unknownFields
        members.setField(CodingKeys.requestID, .string(requestID))
        members.setField(CodingKeys.timestamp, .string(timestamp.text))
        members.setField(CodingKeys.source, .string(source))
        members.setField(CodingKeys.destination, .string(destination))
        members.setField(CodingKeys.priority, .integer(Int64(priority.rawValue)))
        members.setField(CodingKeys.requestSource, .string(requestSource.rawValue))
        members.setField(CodingKeys.correlationID, correlationID.map(JSONValue.string))
        members.setField(CodingKeys.traceID, traceID.map(JSONValue.string))
        members.setField(CodingKeys.sessionID, sessionID.map(JSONValue.string))
        members.setField(CodingKeys.retryCount, .integer(Int64(retryCount)))
        members.setField(CodingKeys.ttl, ttl.map { .integer(Int64($0)) })
        members.setField(CodingKeys.expiresAt, expiresAt.map { .string($0.text) })
        return members
    }

    // MARK: Codable

    /// Decodes through the dictionary view; errors are those of ``init(dictionary:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(ContractObjectReader(try JSONValue(from: decoder), path: "metadata"))
    }

    /// Encodes the dictionary view.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(toDictionary()).encode(to: encoder)
    }

    // MARK: Expiry

    /// When the message stops being valid: ``expiresAt`` if set, else
    /// ``timestamp`` + ``ttl`` seconds if a TTL is set, else never (`nil`).
    public var expiry: WhaleInstant? {
        if let expiresAt { return expiresAt.instant }
        if let ttl { return timestamp.instant.advanced(by: .seconds(ttl)) }
        return nil
    }

    /// Whether the message has expired at `now` (at or after ``expiry``); never
    /// for a message without `expires_at` or `ttl`.
    public func isExpired(now: WhaleInstant) -> Bool {
        guard let expiry else { return false }
        return now >= expiry
    }

    // MARK: Validation

    /// The required fields that are empty, as paths (`metadata.request_id`).
    func emptyRequiredFields() -> [String] {
        var empty: [String] = []
        if requestID.isEmpty { empty.append("metadata.request_id") }
        if source.isEmpty { empty.append("metadata.source") }
        if destination.isEmpty { empty.append("metadata.destination") }
        return empty
    }
}
