public import CoreProtocols

/// A data request from Balance to Data: `{"metadata": {…}, "payload": {…}}`.
///
/// The JSON is what Python's `DataRequest.to_json()` writes and `from_json()` reads
/// (see ``MessageMetadata`` and ``RequestPayload`` for the fields). Decoding keeps
/// what this version does not know, at every level, so decode → encode gives back
/// the same JSON structure (key order and whitespace aside).
///
/// ```swift
/// let request = DataRequest.create(modelID: "m1", dataType: .text, dataSource: .wiki,
///                                  parameters: ["query": "whales"])
/// try request.validate()
/// let json = request.toJSON()
/// let back = try DataRequest(json: json)
/// ```
public struct DataRequest: ContractMessage {
    /// `"data request"`, in error messages.
    public static let kind = "data request"

    /// The message metadata (`metadata`).
    public var metadata: MessageMetadata
    /// What is asked for (`payload`).
    public var payload: RequestPayload
    /// Envelope fields besides `metadata` and `payload` that a newer peer sent;
    /// written back unchanged. Default: none.
    public var unknownFields: [String: JSONValue]

    /// Creates a request. Defaults: new metadata (new id, now, `"balance"` →
    /// `"data"`), an empty payload.
    public init(
        metadata: MessageMetadata = MessageMetadata(),
        payload: RequestPayload = RequestPayload(),
        unknownFields: [String: JSONValue] = [:]
    ) {
        self.metadata = metadata
        self.payload = payload
        self.unknownFields = unknownFields
    }

    /// Creates a request as Python's `create_data_request` does: a new lowercase
    /// UUID as `request_id`, the current time, `source` `"balance"`, `destination`
    /// `"data"`.
    ///
    /// - Parameters:
    ///   - modelID: the model that asks (`payload.model_id`).
    ///   - dataType: the kind of data wanted. Default: ``DataType/text``.
    ///   - dataSource: where to get it. Default: none.
    ///   - parameters: operation parameters, free JSON. Default: empty.
    ///   - priority: how urgent. Default: ``Priority/medium``.
    ///   - responseTopic: where to answer. Default (`nil`): the model's response
    ///     topic, `smartwhale.data.responses.<modelID>` (Python's default is `""`).
    ///   - operation: what to do. Default: ``OperationType/fetchData``.
    ///   - requestSource: who asks. Default: ``RequestSource/user``.
    ///   - timeout: how long the requester waits, in seconds. Default: 30.
    ///   - ttl: how long the request stays valid, in seconds; when set, `expires_at`
    ///     is set to `timestamp` + `ttl` as well. Default: none (never expires).
    ///   - requestID: the request id. Default: a new lowercase UUID.
    ///   - timestamp: when it was made. Default: now, from the system clock.
    public static func create(
        modelID: String,
        dataType: DataType = .text,
        dataSource: DataSource? = nil,
        parameters: [String: JSONValue] = [:],
        priority: Priority = .medium,
        responseTopic: String? = nil,
        operation: OperationType = .fetchData,
        requestSource: RequestSource = .user,
        timeout: Int = MessagingConstants.defaultOperationTimeoutSeconds,
        ttl: Int? = nil,
        requestID: String = MessageMetadata.makeRequestID(),
        timestamp: MessageTimestamp = .now()
    ) -> DataRequest {
        DataRequest(
            metadata: MessageMetadata(
                requestID: requestID,
                timestamp: timestamp,
                source: "balance",
                destination: "data",
                priority: priority,
                requestSource: requestSource,
                ttl: ttl,
                expiresAt: ttl.map { timestamp.advanced(bySeconds: $0) }
            ),
            payload: RequestPayload(
                operation: operation,
                modelID: modelID,
                dataType: dataType,
                dataSource: dataSource,
                parameters: parameters,
                responseTopic: responseTopic ?? MessagingConstants.dataResponsesTopic(modelID: modelID),
                timeout: timeout
            )
        )
    }

    // MARK: Dictionary and JSON views

    /// Reads a request from its dictionary view (`from_dict`).
    /// - Throws: `WhaleError` `.malformedData` naming the field (`metadata.priority:
    ///   7 is not in 1…5`) or listing every missing required field
    ///   (`missing required fields: metadata.request_id, payload.model_id`).
    public init(dictionary: [String: JSONValue]) throws {
        let parts = try ContractEnvelope.readers(dictionary, payloadKeys: RequestPayload.requiredKeys)
        self.metadata = try MessageMetadata(parts.metadata)
        self.payload = try RequestPayload(parts.payload)
        self.unknownFields = parts.unknownFields
    }

    /// The dictionary view (`to_dict`): `metadata` and `payload` with every field,
    /// plus unknown fields at every level.
    public func toDictionary() -> [String: JSONValue] {
        ContractEnvelope.dictionary(
            metadata: metadata.toDictionary(),
            payload: payload.toDictionary(),
            unknownFields: unknownFields
        )
    }

    // MARK: Validation

    /// Checks that the required fields are filled in (``ContractMessage/isValid``):
    /// `request_id`, `timestamp`, `source`, `destination` in the metadata and
    /// `operation`, `model_id`, `data_type` in the payload (empty strings count as missing).
    /// - Throws: `WhaleError` `.invalidInput` listing every empty required field,
    ///   e.g. `data request is missing required fields: payload.model_id`.
    public func validate() throws {
        try ContractEnvelope.validate(
            metadata.emptyRequiredFields() + payload.emptyRequiredFields(),
            kind: Self.kind
        )
    }

    /// The enum fields with a value this version does not know
    /// (`metadata.request_source`, `payload.operation`, `payload.data_type`,
    /// `payload.data_source`).
    public var unknownValueFields: [String] {
        var values: [(path: String, value: String, isKnown: Bool)] = [
            ("metadata.request_source", metadata.requestSource.rawValue, metadata.requestSource.isKnown),
            ("payload.operation", payload.operation.rawValue, payload.operation.isKnown),
            ("payload.data_type", payload.dataType.rawValue, payload.dataType.isKnown),
        ]
        if let source = payload.dataSource { values.append(("payload.data_source", source.rawValue, source.isKnown)) }
        return ContractEnvelope.unknownValues(values)
    }
}
