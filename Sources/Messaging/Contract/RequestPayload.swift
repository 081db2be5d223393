public import CoreProtocols

/// What a data request asks for (`"payload"` of a ``DataRequest``, Balance → Data).
///
/// Wire shape (snake_case, as Python's `RequestPayload.to_dict()` writes it, every
/// field present, enums as their lowercase strings, absent optionals as `null`):
///
/// ```json
/// {"operation": "fetch_data", "model_id": "m1", "data_type": "text",
///  "data_source": "wiki", "parameters": {}, "response_topic": "smartwhale.data.responses.m1",
///  "batch_id": null, "timeout": 30, "max_size": null, "require_fresh": false,
///  "tags": [], "context": {}}
/// ```
///
/// Decoding requires `operation`, `model_id` and `data_type`; the others take
/// Python's defaults when absent or `null`. Fields this version does not know are
/// kept in ``unknownFields`` and written back on encoding.
public struct RequestPayload: Hashable, Sendable, Codable {
    /// The operation asked for (`operation`). Default: ``OperationType/fetchData``.
    public var operation: OperationType
    /// The model that asks (`model_id`). Default: `""`.
    public var modelID: String
    /// The kind of data wanted (`data_type`). Default: ``DataType/text``.
    public var dataType: DataType
    /// Where to get it from, if it matters (`data_source`). Default: none.
    public var dataSource: DataSource?
    /// Operation-specific parameters, free JSON (`parameters`). Default: empty.
    public var parameters: [String: JSONValue]
    /// The topic to send the response to (`response_topic`). Default: `""`.
    public var responseTopic: String
    /// Groups requests sent together (`batch_id`). Default: none.
    public var batchID: String?
    /// How long the requester waits for the response, in seconds (`timeout`).
    /// Default: 30 (``MessagingConstants/defaultOperationTimeoutSeconds``).
    public var timeout: Int
    /// The most data wanted, in bytes (`max_size`). Default: none (no limit).
    public var maxSize: Int?
    /// Whether cached data will not do (`require_fresh`). Default: `false`.
    public var requireFresh: Bool
    /// Free-form labels (`tags`). Default: empty.
    public var tags: [String]
    /// Context of the request, free JSON (`context`). Default: empty.
    public var context: [String: JSONValue]
    /// Fields a newer peer sent that this version does not know, by wire name;
    /// written back unchanged. Default: none.
    public var unknownFields: [String: JSONValue]

    /// The wire names of the fields, in the spec's order.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case operation
        case modelID = "model_id"
        case dataType = "data_type"
        case dataSource = "data_source"
        case parameters
        case responseTopic = "response_topic"
        case batchID = "batch_id"
        case timeout
        case maxSize = "max_size"
        case requireFresh = "require_fresh"
        case tags
        case context
    }

    /// The fields a decoded request payload must have: `operation`, `model_id`, `data_type`.
    public static let requiredFields: [String] = requiredKeys.map(\.stringValue)

    static let requiredKeys: [CodingKeys] = [.operation, .modelID, .dataType]

    /// Creates a request payload; every argument has the Python default.
    public init(
        operation: OperationType = .fetchData,
        modelID: String = "",
        dataType: DataType = .text,
        dataSource: DataSource? = nil,
        parameters: [String: JSONValue] = [:],
        responseTopic: String = "",
        batchID: String? = nil,
        timeout: Int = MessagingConstants.defaultOperationTimeoutSeconds,
        maxSize: Int? = nil,
        requireFresh: Bool = false,
        tags: [String] = [],
        context: [String: JSONValue] = [:],
        unknownFields: [String: JSONValue] = [:]
    ) {
        self.operation = operation
        self.modelID = modelID
        self.dataType = dataType
        self.dataSource = dataSource
        self.parameters = parameters
        self.responseTopic = responseTopic
        self.batchID = batchID
        self.timeout = timeout
        self.maxSize = maxSize
        self.requireFresh = requireFresh
        self.tags = tags
        self.context = context
        self.unknownFields = unknownFields
    }

    // MARK: Dictionary view

    /// Reads a request payload from its dictionary view (`from_dict`). Enum values
    /// this version does not know are kept as they are.
    /// - Throws: `WhaleError` `.malformedData` naming the field, e.g.
    ///   `payload.timeout: expected an integer, got the string "30"`, or listing
    ///   every missing required field.
    public init(dictionary: [String: JSONValue]) throws {
        try self.init(ContractObjectReader(members: dictionary, path: "payload"))
    }

    init(_ reader: ContractObjectReader) throws {
        try reader.requirePresent(Self.requiredKeys)
        self.operation = OperationType(rawValue: try reader.string(CodingKeys.operation))
        self.modelID = try reader.string(CodingKeys.modelID)
        self.dataType = DataType(rawValue: try reader.string(CodingKeys.dataType))
        self.dataSource = try reader.optionalString(CodingKeys.dataSource).map(DataSource.init(rawValue:))
        self.parameters = try reader.object(CodingKeys.parameters)
        self.responseTopic = try reader.string(CodingKeys.responseTopic, default: "")
        self.batchID = try reader.optionalString(CodingKeys.batchID)
        self.timeout = try reader.int(CodingKeys.timeout, default: MessagingConstants.defaultOperationTimeoutSeconds)
        self.maxSize = try reader.optionalInt(CodingKeys.maxSize)
        self.requireFresh = try reader.bool(CodingKeys.requireFresh, default: false)
        self.tags = try reader.strings(CodingKeys.tags)
        self.context = try reader.object(CodingKeys.context)
        self.unknownFields = reader.unknownFields(besides: CodingKeys.self)
    }

    /// The dictionary view (`to_dict`): every field under its wire name, enums as
    /// strings, absent optionals as `null`, plus ``unknownFields``.
    public func toDictionary() -> [String: JSONValue] {
        var members = unknownFields
        members.setField(CodingKeys.operation, .string(operation.rawValue))
        members.setField(CodingKeys.modelID, .string(modelID))
        members.setField(CodingKeys.dataType, .string(dataType.rawValue))
        members.setField(CodingKeys.dataSource, dataSource.map { .string($0.rawValue) })
        members.setField(CodingKeys.parameters, .object(parameters))
        members.setField(CodingKeys.responseTopic, .string(responseTopic))
        members.setField(CodingKeys.batchID, batchID.map(JSONValue.string))
        members.setField(CodingKeys.timeout, .integer(Int64(timeout)))
        members.setField(CodingKeys.maxSize, maxSize.map { .integer(Int64($0)) })
        members.setField(CodingKeys.requireFresh, .bool(requireFresh))
        members.setField(CodingKeys.tags, .array(tags.map(JSONValue.string)))
        members.setField(CodingKeys.context, .object(context))
        return members
    }

    // MARK: Codable

    /// Decodes through the dictionary view; errors are those of ``init(dictionary:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(ContractObjectReader(try JSONValue(from: decoder), path: "payload"))
    }

    /// Encodes the dictionary view.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(toDictionary()).encode(to: encoder)
    }

    // MARK: Validation

    /// The required fields that are empty, as paths (`payload.model_id`).
    func emptyRequiredFields() -> [String] {
        var empty: [String] = []
        if operation.rawValue.isEmpty { empty.append("payload.operation") }
        if modelID.isEmpty { empty.append("payload.model_id") }
        if dataType.rawValue.isEmpty { empty.append("payload.data_type") }
        return empty
    }
}
