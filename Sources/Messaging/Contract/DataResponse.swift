public import CoreProtocols

/// A data response from Data to the models: `{"metadata": {…}, "payload": {…}}`.
///
/// The JSON is what Python's `DataResponse.to_json()` writes and `from_json()` reads
/// (see ``MessageMetadata`` and ``ResponsePayload`` for the fields). Decoding keeps
/// what this version does not know, at every level, so decode → encode gives back
/// the same JSON structure (key order and whitespace aside).
///
/// ```swift
/// let response = DataResponse.create(replyingTo: request, data: ["text": "…"])
/// try response.validate()
/// let bytes = response.toJSONBytes()
/// ```
public struct DataResponse: ContractMessage {
    /// `"data response"`, in error messages.
    public static let kind = "data response"

    /// The message metadata (`metadata`).
    public var metadata: MessageMetadata
    /// What is answered (`payload`).
    public var payload: ResponsePayload
    /// Envelope fields besides `metadata` and `payload` that a newer peer sent;
    /// written back unchanged. Default: none.
    public var unknownFields: [String: JSONValue]

    /// Creates a response. Defaults: new metadata (new id, now, and Python's
    /// metadata defaults `"balance"` → `"data"`), a successful payload without data.
    /// Prefer ``create(requestID:modelID:status:data:dataType:dataSource:errorMessage:errorCode:metrics:operation:priority:timestamp:)``.
    public init(
        metadata: MessageMetadata = MessageMetadata(),
        payload: ResponsePayload = ResponsePayload(),
        unknownFields: [String: JSONValue] = [:]
    ) {
        self.metadata = metadata
        self.payload = payload
        self.unknownFields = unknownFields
    }

    /// Creates a response as Python's `create_data_response` does: the metadata's
    /// `request_id` is the request's id (Python's correlation key) and
    /// `correlation_id` is set to it as well, `source` is `"data"` and
    /// `destination` is the model's id (as Python writes it).
    ///
    /// - Parameters:
    ///   - requestID: the id of the request answered.
    ///   - modelID: the model that asked; the response's `destination`.
    ///   - status: the outcome. Default: ``MessageStatus/success``.
    ///   - data: the data, any JSON. Default: `null`.
    ///   - dataType: the kind of data. Default: ``DataType/text``.
    ///   - dataSource: where it came from. Default: none.
    ///   - errorMessage: what went wrong, for people. Default: none.
    ///   - errorCode: what went wrong, for programs. Default: none.
    ///   - metrics: processing metrics. Default: empty.
    ///   - operation: the operation answered. Default: ``OperationType/fetchData``.
    ///   - priority: how urgent. Default: ``Priority/medium``.
    ///   - timestamp: when it was made. Default: now, from the system clock.
    public static func create(
        requestID: String,
        modelID: String,
        status: MessageStatus = .success,
        data: JSONValue = .null,
        dataType: DataType = .text,
        dataSource: DataSource? = nil,
        errorMessage: String? = nil,
        errorCode: MessageErrorCode? = nil,
        metrics: [String: JSONValue] = [:],
        operation: OperationType = .fetchData,
        priority: Priority = .medium,
        timestamp: MessageTimestamp = .now()
    ) -> DataResponse {
        DataResponse(
            metadata: MessageMetadata(
                requestID: requestID,
                timestamp: timestamp,
                source: "data",
                destination: modelID,
                priority: priority,
                correlationID: requestID
            ),
            payload: ResponsePayload(
                operation: operation,
                status: status,
                dataType: dataType,
                dataSource: dataSource,
                data: data,
                errorMessage: errorMessage,
                errorCode: errorCode,
                metrics: metrics
            )
        )
    }

    /// Creates the response to `request`: as
    /// ``create(requestID:modelID:status:data:dataType:dataSource:errorMessage:errorCode:metrics:operation:priority:timestamp:)``
    /// with the request's id, model, operation, data type, data source, priority
    /// and batch id, and its `trace_id`, `session_id` and `request_source` carried over.
    ///
    /// - Parameters:
    ///   - request: the request answered.
    ///   - status: the outcome. Default: ``MessageStatus/success``.
    ///   - data: the data, any JSON. Default: `null`.
    ///   - errorMessage: what went wrong, for people. Default: none.
    ///   - errorCode: what went wrong, for programs. Default: none.
    ///   - metrics: processing metrics. Default: empty.
    ///   - timestamp: when it was made. Default: now, from the system clock.
    public static func create(
        replyingTo request: DataRequest,
        status: MessageStatus = .success,
        data: JSONValue = .null,
        errorMessage: String? = nil,
        errorCode: MessageErrorCode? = nil,
        metrics: [String: JSONValue] = [:],
        timestamp: MessageTimestamp = .now()
    ) -> DataResponse {
        var response = create(
            requestID: request.metadata.requestID,
            modelID: request.payload.modelID,
            status: status,
            data: data,
            dataType: request.payload.dataType,
            dataSource: request.payload.dataSource,
            errorMessage: errorMessage,
            errorCode: errorCode,
            metrics: metrics,
            operation: request.payload.operation,
            priority: request.metadata.priority,
            timestamp: timestamp
        )
        response.metadata.requestSource = request.metadata.requestSource
        response.metadata.traceID = request.metadata.traceID
        response.metadata.sessionID = request.metadata.sessionID
        response.payload.batchID = request.payload.batchID
        return response
    }

    // MARK: Dictionary and JSON views

    /// Reads a response from its dictionary view (`from_dict`).
    /// - Throws: `WhaleError` `.malformedData` naming the field (`metadata.priority:
    ///   7 is not in 1…5`) or listing every missing required field
    ///   (`missing required fields: metadata.request_id, payload.status`).
    public init(dictionary: [String: JSONValue]) throws {
        let parts = try ContractEnvelope.readers(dictionary, payloadKeys: ResponsePayload.requiredKeys)
        self.metadata = try MessageMetadata(parts.metadata)
        self.payload = try ResponsePayload(parts.payload)
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
    /// `operation`, `status`, `data_type` in the payload (empty strings count as missing).
    /// - Throws: `WhaleError` `.invalidInput` listing every empty required field,
    ///   e.g. `data response is missing required fields: payload.status`.
    public func validate() throws {
        try ContractEnvelope.validate(
            metadata.emptyRequiredFields() + payload.emptyRequiredFields(),
            kind: Self.kind
        )
    }

    /// The enum fields with a value this version does not know
    /// (`metadata.request_source`, `payload.operation`, `payload.status`,
    /// `payload.data_type`, `payload.data_source`, `payload.error_code`).
    public var unknownValueFields: [String] {
        var values: [(path: String, value: String, isKnown: Bool)] = [
            ("metadata.request_source", metadata.requestSource.rawValue, metadata.requestSource.isKnown),
            ("payload.operation", payload.operation.rawValue, payload.operation.isKnown),
            ("payload.status", payload.status.rawValue, payload.status.isKnown),
            ("payload.data_type", payload.dataType.rawValue, payload.dataType.isKnown),
        ]
        if let source = payload.dataSource { values.append(("payload.data_source", source.rawValue, source.isKnown)) }
        if let code = payload.errorCode { values.append(("payload.error_code", code.rawValue, code.isKnown)) }
        return ContractEnvelope.unknownValues(values)
    }
}
