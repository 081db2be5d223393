public import CoreProtocols

/// What a data response carries (`"payload"` of a ``DataResponse``, Data → Models).
///
/// Wire shape (snake_case, as Python's `ResponsePayload.to_dict()` writes it, every
/// field present, enums as their lowercase strings, absent optionals as `null`):
///
/// ```json
/// {"operation": "fetch_data", "status": "success", "data_type": "text",
///  "data_source": "wiki", "data": {"text": "…"}, "error_message": null,
///  "error_code": null, "metrics": {}, "batch_id": null, "next_cursor": null,
///  "total_items": null, "page_info": {}, "metadata": {}, "source_url": null,
///  "last_updated": null, "processing_time": null, "cached": false,
///  "additional_info": {}}
/// ```
///
/// Decoding requires `operation`, `status` and `data_type`; the others take
/// Python's defaults when absent or `null`. Fields this version does not know are
/// kept in ``unknownFields`` and written back on encoding.
public struct ResponsePayload: Hashable, Sendable, Codable {
    /// The operation answered (`operation`). Default: ``OperationType/fetchData``.
    public var operation: OperationType
    /// The outcome (`status`). Default: ``MessageStatus/success``.
    public var status: MessageStatus
    /// The kind of data carried (`data_type`). Default: ``DataType/text``.
    public var dataType: DataType
    /// Where the data came from (`data_source`). Default: none.
    public var dataSource: DataSource?
    /// The data itself, any JSON (`data`). Default: `null`.
    public var data: JSONValue
    /// What went wrong, for people (`error_message`). Default: none.
    public var errorMessage: String?
    /// What went wrong, for programs (`error_code`). Default: none.
    public var errorCode: MessageErrorCode?
    /// Processing metrics, free JSON (`metrics`). Default: empty.
    public var metrics: [String: JSONValue]
    /// The batch of the request answered (`batch_id`). Default: none.
    public var batchID: String?
    /// Where the next page starts, for paginated answers (`next_cursor`). Default: none.
    public var nextCursor: String?
    /// The total number of items across pages (`total_items`). Default: none.
    public var totalItems: Int?
    /// Pagination details, free JSON (`page_info`). Default: empty.
    public var pageInfo: [String: JSONValue]
    /// Metadata of the data's source, free JSON (`metadata`; not the envelope's
    /// ``DataResponse/metadata``). Default: empty.
    public var metadata: [String: JSONValue]
    /// The address of the original source (`source_url`). Default: none.
    public var sourceURL: String?
    /// When the data was last updated, as the sender wrote it (usually ISO-8601;
    /// kept as text) (`last_updated`). Default: none.
    public var lastUpdated: String?
    /// How long processing took, in milliseconds (`processing_time`). Default: none.
    public var processingTime: Double?
    /// Whether the data came from a cache (`cached`). Default: `false`.
    public var cached: Bool
    /// Anything else worth saying, free JSON (`additional_info`). Default: empty.
    public var additionalInfo: [String: JSONValue]
    /// Fields a newer peer sent that this version does not know, by wire name;
    /// written back unchanged. Default: none.
    public var unknownFields: [String: JSONValue]

    /// The wire names of the fields, in the spec's order.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case operation
        case status
        case dataType = "data_type"
        case dataSource = "data_source"
        case data
        case errorMessage = "error_message"
        case errorCode = "error_code"
        case metrics
        case batchID = "batch_id"
        case nextCursor = "next_cursor"
        case totalItems = "total_items"
        case pageInfo = "page_info"
        case metadata
        case sourceURL = "source_url"
        case lastUpdated = "last_updated"
        case processingTime = "processing_time"
        case cached
        case additionalInfo = "additional_info"
    }

    /// The fields a decoded response payload must have: `operation`, `status`, `data_type`.
    public static let requiredFields: [String] = requiredKeys.map(\.stringValue)

    static let requiredKeys: [CodingKeys] = [.operation, .status, .dataType]

    /// Creates a response payload; every argument has the Python default.
    public init(
        operation: OperationType = .fetchData,
        status: MessageStatus = .success,
        dataType: DataType = .text,
        dataSource: DataSource? = nil,
        data: JSONValue = .null,
        errorMessage: String? = nil,
        errorCode: MessageErrorCode? = nil,
        metrics: [String: JSONValue] = [:],
        batchID: String? = nil,
        nextCursor: String? = nil,
        totalItems: Int? = nil,
        pageInfo: [String: JSONValue] = [:],
        metadata: [String: JSONValue] = [:],
        sourceURL: String? = nil,
        lastUpdated: String? = nil,
        processingTime: Double? = nil,
        cached: Bool = false,
        additionalInfo: [String: JSONValue] = [:],
        unknownFields: [String: JSONValue] = [:]
    ) {
        self.operation = operation
        self.status = status
        self.dataType = dataType
        self.dataSource = dataSource
        self.data = data
        self.errorMessage = errorMessage
        self.errorCode = errorCode
        self.metrics = metrics
        self.batchID = batchID
        self.nextCursor = nextCursor
        self.totalItems = totalItems
        self.pageInfo = pageInfo
        self.metadata = metadata
        self.sourceURL = sourceURL
        self.lastUpdated = lastUpdated
        self.processingTime = processingTime
        self.cached = cached
        self.additionalInfo = additionalInfo
        self.unknownFields = unknownFields
    }

    // MARK: Dictionary view

    /// Reads a response payload from its dictionary view (`from_dict`). Enum values
    /// this version does not know are kept as they are.
    /// - Throws: `WhaleError` `.malformedData` naming the field, e.g.
    ///   `payload.cached: expected a boolean, got the string "no"`, or listing every
    ///   missing required field.
    public init(dictionary: [String: JSONValue]) throws {
        try self.init(ContractObjectReader(members: dictionary, path: "payload"))
    }

    init(_ reader: ContractObjectReader) throws {
        try reader.requirePresent(Self.requiredKeys)
        self.operation = OperationType(rawValue: try reader.string(CodingKeys.operation))
        self.status = MessageStatus(rawValue: try reader.string(CodingKeys.status))
        self.dataType = DataType(rawValue: try reader.string(CodingKeys.dataType))
        self.dataSource = try reader.optionalString(CodingKeys.dataSource).map(DataSource.init(rawValue:))
        self.data = reader.value(CodingKeys.data)
        self.errorMessage = try reader.optionalString(CodingKeys.errorMessage)
        self.errorCode = try reader.optionalString(CodingKeys.errorCode).map(MessageErrorCode.init(rawValue:))
        self.metrics = try reader.object(CodingKeys.metrics)
        self.batchID = try reader.optionalString(CodingKeys.batchID)
        self.nextCursor = try reader.optionalString(CodingKeys.nextCursor)
        self.totalItems = try reader.optionalInt(CodingKeys.totalItems)
        self.pageInfo = try reader.object(CodingKeys.pageInfo)
        self.metadata = try reader.object(CodingKeys.metadata)
        self.sourceURL = try reader.optionalString(CodingKeys.sourceURL)
        self.lastUpdated = try reader.optionalString(CodingKeys.lastUpdated)
        self.processingTime = try reader.optionalDouble(CodingKeys.processingTime)
        self.cached = try reader.bool(CodingKeys.cached, default: false)
        self.additionalInfo = try reader.object(CodingKeys.additionalInfo)
        self.unknownFields = reader.unknownFields(besides: CodingKeys.self)
    }

    /// The dictionary view (`to_dict`): every field under its wire name, enums as
    /// strings, absent optionals as `null`, plus ``unknownFields``.
    /// ``processingTime`` is always written as a JSON double (`12.0`, not `12`).
    public func toDictionary() -> [String: JSONValue] {
        var members = unknownFields
        members.setField(CodingKeys.operation, .string(operation.rawValue))
        members.setField(CodingKeys.status, .string(status.rawValue))
        members.setField(CodingKeys.dataType, .string(dataType.rawValue))
        members.setField(CodingKeys.dataSource, dataSource.map { .string($0.rawValue) })
        members.setField(CodingKeys.data, data)
        members.setField(CodingKeys.errorMessage, errorMessage.map(JSONValue.string))
        members.setField(CodingKeys.errorCode, errorCode.map { .string($0.rawValue) })
        members.setField(CodingKeys.metrics, .object(metrics))
        members.setField(CodingKeys.batchID, batchID.map(JSONValue.string))
        members.setField(CodingKeys.nextCursor, nextCursor.map(JSONValue.string))
        members.setField(CodingKeys.totalItems, totalItems.map { .integer(Int64($0)) })
        members.setField(CodingKeys.pageInfo, .object(pageInfo))
        members.setField(CodingKeys.metadata, .object(metadata))
        members.setField(CodingKeys.sourceURL, sourceURL.map(JSONValue.string))
        members.setField(CodingKeys.lastUpdated, lastUpdated.map(JSONValue.string))
        members.setField(CodingKeys.processingTime, processingTime.map(JSONValue.double))
        members.setField(CodingKeys.cached, .bool(cached))
        members.setField(CodingKeys.additionalInfo, .object(additionalInfo))
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

    /// The required fields that are empty, as paths (`payload.status`).
    func emptyRequiredFields() -> [String] {
        var empty: [String] = []
        if operation.rawValue.isEmpty { empty.append("payload.operation") }
        if status.rawValue.isEmpty { empty.append("payload.status") }
        if dataType.rawValue.isEmpty { empty.append("payload.data_type") }
        return empty
    }
}
