import CoreProtocols
import Messaging
import Testing

@Suite struct ContractHelperTests {
    private static let now = MessageTimestamp(WhaleInstant(nanosecondsSinceEpoch: 1_714_566_645_123_456_000))

    @Test func createDataRequestFillsWhatPythonFills() throws {
        let request = DataRequest.create(
            modelID: "persian-nlp",
            dataType: .image,
            dataSource: .aparat,
            parameters: ["query": "whale"],
            priority: .high,
            timestamp: Self.now
        )
        #expect(request.metadata.source == "balance")
        #expect(request.metadata.destination == "data")
        #expect(request.metadata.priority == .high)
        #expect(request.metadata.requestSource == .user)
        #expect(request.metadata.timestamp.text == "2024-05-01T12:30:45.123456+00:00")
        #expect(request.metadata.ttl == nil && request.metadata.expiresAt == nil)
        #expect(request.payload.operation == .fetchData)
        #expect(request.payload.modelID == "persian-nlp")
        #expect(request.payload.dataType == .image)
        #expect(request.payload.dataSource == .aparat)
        #expect(request.payload.parameters == ["query": "whale"])
        #expect(request.payload.responseTopic == "smartwhale.data.responses.persian-nlp")
        #expect(request.payload.timeout == 30)
        #expect(request.isValid)
        try request.validate()
        #expect(try DataRequest(json: request.toJSON()) == request)
    }

    @Test func requestIDsAreLowercaseUUIDs() {
        let first = DataRequest.create(modelID: "m")
        let second = DataRequest.create(modelID: "m")
        #expect(first.metadata.requestID != second.metadata.requestID)
        let id = first.metadata.requestID
        #expect(id == id.lowercased())
        #expect(id.count == 36)
        #expect(id.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(first.metadata.timestamp.hasExplicitOffset)
    }

    @Test func createDataRequestHonoursExplicitArguments() {
        let request = DataRequest.create(
            modelID: "m",
            responseTopic: "custom.topic",
            operation: .summarizeData,
            requestSource: .scheduled,
            timeout: 5,
            ttl: 60,
            requestID: "fixed-id",
            timestamp: Self.now
        )
        #expect(request.payload.responseTopic == "custom.topic")
        #expect(request.payload.operation == .summarizeData)
        #expect(request.metadata.requestSource == .scheduled)
        #expect(request.payload.timeout == 5)
        #expect(request.metadata.requestID == "fixed-id")
        #expect(request.metadata.ttl == 60)
        #expect(request.metadata.expiresAt?.text == "2024-05-01T12:31:45.123456+00:00")
    }

    @Test func createDataResponseCorrelatesWithTheRequest() throws {
        let response = DataResponse.create(
            requestID: "req-1",
            modelID: "qa-model",
            status: .error,
            dataType: .document,
            dataSource: .book,
            errorMessage: "nothing found",
            errorCode: .noDataFound,
            metrics: ["duration_ms": 12.5],
            timestamp: Self.now
        )
        #expect(response.metadata.requestID == "req-1")
        #expect(response.metadata.correlationID == "req-1")
        #expect(response.metadata.source == "data")
        #expect(response.metadata.destination == "qa-model")
        #expect(response.metadata.priority == .medium)
        #expect(response.payload.status == .error)
        #expect(response.payload.operation == .fetchData)
        #expect(response.payload.dataType == .document)
        #expect(response.payload.dataSource == .book)
        #expect(response.payload.data == .null)
        #expect(response.payload.errorMessage == "nothing found")
        #expect(response.payload.errorCode == .noDataFound)
        #expect(response.payload.metrics == ["duration_ms": 12.5])
        #expect(response.isValid)
        #expect(try DataResponse(json: response.toJSON()) == response)
    }

    @Test func createResponseReplyingToARequest() {
        var request = DataRequest.create(modelID: "m7", dataType: .video, dataSource: .youtube, priority: .critical, operation: .analyzeData)
        request.metadata.traceID = "trace-1"
        request.metadata.sessionID = "session-1"
        request.payload.batchID = "batch-1"
        let response = DataResponse.create(replyingTo: request, data: ["frames": 240], timestamp: Self.now)
        #expect(response.metadata.requestID == request.metadata.requestID)
        #expect(response.metadata.correlationID == request.metadata.requestID)
        #expect(response.metadata.destination == "m7")
        #expect(response.metadata.source == "data")
        #expect(response.metadata.priority == .critical)
        #expect(response.metadata.traceID == "trace-1")
        #expect(response.metadata.sessionID == "session-1")
        #expect(response.payload.operation == .analyzeData)
        #expect(response.payload.dataType == .video)
        #expect(response.payload.dataSource == .youtube)
        #expect(response.payload.batchID == "batch-1")
        #expect(response.payload.data == ["frames": 240])
        #expect(response.payload.status == .success)
    }

    @Test func validateListsEveryEmptyRequiredField() {
        var request = DataRequest.create(modelID: "", timestamp: Self.now)
        request.metadata.source = ""
        request.payload.dataType = DataType(rawValue: "")
        #expect(!request.isValid)
        #expect(!isValidDataRequest(request))
        #expect {
            try request.validate()
        } throws: { error in
            isWhaleError(
                error, .invalidInput,
                mentioning: "data request is missing required fields: metadata.source, payload.model_id, payload.data_type"
            )
        }
        var response = DataResponse.create(requestID: "", modelID: "m", timestamp: Self.now)
        response.payload.status = MessageStatus(rawValue: "")
        #expect(!response.isValid)
        #expect(!isValidDataResponse(response))
        #expect {
            try response.validate()
        } throws: { error in
            isWhaleError(error, .invalidInput, mentioning: "metadata.request_id", "payload.status")
        }
        #expect(throws: WhaleError.self) { try DataRequest.validate(dictionary: request.toDictionary()) }
        #expect(throws: Never.self) { try DataResponse.validate(dictionary: DataResponse.create(requestID: "r", modelID: "m").toDictionary()) }
    }

    @Test func validityOfDictionaries() throws {
        let valid = DataRequest.create(modelID: "m", timestamp: Self.now).toDictionary()
        #expect(DataRequest.isValid(dictionary: valid))
        #expect(isValidDataRequest(valid))
        #expect(!DataRequest.isValid(dictionary: [:]))
        #expect(!DataRequest.isValid(dictionary: ["metadata": [:], "payload": [:]]))
        // A response is not a request: its payload lacks model_id.
        let response = DataResponse.create(requestID: "r", modelID: "m", timestamp: Self.now).toDictionary()
        #expect(DataResponse.isValid(dictionary: response))
        #expect(isValidDataResponse(response))
        #expect(!DataRequest.isValid(dictionary: response))
    }

    @Test func expiry() throws {
        let start = Self.now.instant
        var request = DataRequest.create(modelID: "m", timestamp: Self.now)
        #expect(request.metadata.expiry == nil)
        #expect(!request.isExpired(now: start.advanced(by: .seconds(1_000_000))))

        request.metadata.ttl = 10
        #expect(request.metadata.expiry == start.advanced(by: .seconds(10)))
        #expect(!request.isExpired(now: start.advanced(by: .seconds(9))))
        #expect(request.isExpired(now: start.advanced(by: .seconds(10))))

        // expires_at wins over ttl.
        request.metadata.expiresAt = Self.now.advanced(bySeconds: 60)
        #expect(!request.isExpired(now: start.advanced(by: .seconds(30))))
        #expect(request.isExpired(now: start.advanced(by: .seconds(60))))

        let created = DataRequest.create(modelID: "m", ttl: 5, timestamp: Self.now)
        #expect(created.isExpired(now: start.advanced(by: .seconds(5))))
        #expect(!created.isExpired(now: start.advanced(by: .seconds(4))))

        // A naive Python timestamp is read as UTC.
        let python = try DataResponse(
            json: #"{"metadata": {"request_id": "r", "timestamp": "2024-05-01T12:30:45.123456", "source": "data", "destination": "m", "ttl": 1}, "payload": {"operation": "fetch_data", "status": "success", "data_type": "text"}}"#
        )
        #expect(!python.isExpired(now: start))
        #expect(python.isExpired(now: start.advanced(by: .seconds(1))))
    }

    @Test func typedValuesRoundTripThroughJSON() throws {
        var request = DataRequest.create(
            modelID: "m",
            parameters: ["nested": ["a": [1, 2.5, nil, true]], "text": "\"quoted\"\n"],
            ttl: 30
        )
        request.payload.tags = ["x", "y"]
        request.payload.maxSize = 10
        request.metadata.retryCount = 2
        #expect(try DataRequest(json: request.toJSON()) == request)
        #expect(try DataRequest(json: request.toJSONBytes()) == request)
        #expect(try DataRequest(dictionary: request.toDictionary()) == request)
        let response = DataResponse.create(replyingTo: request, data: ["list": [1, 2, 3]])
        #expect(try DataResponse(json: response.toJSON()) == response)
    }
}
