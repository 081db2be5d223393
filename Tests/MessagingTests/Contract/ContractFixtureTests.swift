import CoreProtocols
import Foundation
import Messaging
import Testing

/// Each hand-written fixture is decoded, every field checked, and re-encoded to the
/// same JSON structure (through the dictionary view, the JSON text and Codable).
@Suite struct ContractFixtureTests {
    @Test func metadata() throws {
        let fixture = try ContractFixtures.object("metadata.json")
        let metadata = try MessageMetadata(dictionary: fixture)
        #expect(metadata.requestID == "3f2b8c4e-9d1a-4e6b-8f0c-2a7d5e9b1c34")
        #expect(metadata.timestamp.text == "2024-05-01T12:30:45.123456")
        #expect(metadata.timestamp.instant.nanosecondsSinceEpoch == 1_714_566_645_123_456_000)
        #expect(!metadata.timestamp.hasExplicitOffset)
        #expect(metadata.source == "balance")
        #expect(metadata.destination == "data")
        #expect(metadata.priority == .high)
        #expect(metadata.requestSource == .model)
        #expect(metadata.correlationID == "0b7e6d5c-4a3f-4e21-9c8b-7a6f5e4d3c2b")
        #expect(metadata.traceID == "trace-7f3e")
        #expect(metadata.sessionID == nil)
        #expect(metadata.retryCount == 1)
        #expect(metadata.ttl == 300)
        #expect(metadata.expiresAt?.text == "2024-05-01T12:35:45.123456")
        #expect(metadata.unknownFields.isEmpty)

        #expect(JSONValue.object(metadata.toDictionary()) == .object(fixture))
        let decoded = try JSONDecoder().decode(MessageMetadata.self, from: Data(try ContractFixtures.bytes("metadata.json")))
        #expect(decoded == metadata)
        #expect(try JSONValue(parsing: JSONEncoder().encode(metadata)) == .object(fixture))
    }

    @Test func requestPayload() throws {
        let fixture = try ContractFixtures.object("request_payload.json")
        let payload = try RequestPayload(dictionary: fixture)
        #expect(payload.operation == .fetchData)
        #expect(payload.modelID == "persian-nlp-v2")
        #expect(payload.dataType == .text)
        #expect(payload.dataSource == .wiki)
        #expect(payload.parameters["query"] == "نهنگ آبی")
        #expect(payload.parameters["max_results"] == .integer(20))
        #expect(payload.parameters["min_score"] == .double(0.75))
        #expect(payload.parameters["include_images"] == false)
        #expect(payload.parameters["sections"] == ["summary", "history"])
        #expect(payload.parameters["filters"]?["exclude"] == .null)
        #expect(payload.responseTopic == "smartwhale.data.responses.persian-nlp-v2")
        #expect(payload.batchID == "batch-2024-05-01-0007")
        #expect(payload.timeout == 45)
        #expect(payload.maxSize == 1_048_576)
        #expect(payload.requireFresh)
        #expect(payload.tags == ["persian", "nlp", "wiki"])
        #expect(payload.context == ["user_id": "u-1842", "conversation_turn": 3, "locale": "fa_IR"])
        #expect(payload.unknownFields.isEmpty)

        #expect(JSONValue.object(payload.toDictionary()) == .object(fixture))
        #expect(try JSONValue(parsing: JSONEncoder().encode(payload)) == .object(fixture))
        #expect(try JSONDecoder().decode(RequestPayload.self, from: Data(try ContractFixtures.bytes("request_payload.json"))) == payload)
    }

    @Test func responsePayload() throws {
        let fixture = try ContractFixtures.object("response_payload.json")
        let payload = try ResponsePayload(dictionary: fixture)
        #expect(payload.operation == .fetchData)
        #expect(payload.status == .partial)
        #expect(payload.dataType == .structured)
        #expect(payload.dataSource == .news)
        #expect(payload.data[0]?["title"] == "Whales return to the Gulf")
        #expect(payload.data[0]?["score"] == .double(0.93))
        #expect(payload.data[1]?["published"] == .null)
        #expect(payload.data.arrayValue?.count == 2)
        #expect(payload.errorMessage == "2 of 10 sources did not answer")
        #expect(payload.errorCode == .sourceUnavailable)
        #expect(payload.metrics == ["items": 8, "duration_ms": 412.5, "sources_tried": 10])
        #expect(payload.batchID == "batch-2024-05-01-0007")
        #expect(payload.nextCursor == "page-3")
        #expect(payload.totalItems == 42)
        #expect(payload.pageInfo == ["page": 2, "page_size": 20, "has_more": true])
        #expect(payload.metadata == ["provider": "irna", "license": "cc-by-4.0"])
        #expect(payload.sourceURL == "https://example.org/news/whales")
        #expect(payload.lastUpdated == "2024-04-30T08:00:00")
        #expect(payload.processingTime == 412.5)
        #expect(payload.cached)
        #expect(payload.additionalInfo == ["warnings": ["rate limited by one source"]])
        #expect(payload.unknownFields.isEmpty)

        #expect(JSONValue.object(payload.toDictionary()) == .object(fixture))
        #expect(try JSONValue(parsing: JSONEncoder().encode(payload)) == .object(fixture))
    }

    @Test func dataRequest() throws {
        let bytes = try ContractFixtures.bytes("data_request.json")
        let fixture = try ContractFixtures.json("data_request.json")
        let request = try DataRequest(json: bytes)
        #expect(request.metadata.requestID == "5d41402a-bc4b-4a76-b971-9d911017c592")
        #expect(request.metadata.timestamp.text == "2024-05-01T12:30:45")
        #expect(request.metadata.timestamp.instant.nanosecondsSinceEpoch == 1_714_566_645_000_000_000)
        #expect(request.metadata.source == "balance")
        #expect(request.metadata.destination == "data")
        #expect(request.metadata.priority == .critical)
        #expect(request.metadata.requestSource == .user)
        #expect(request.metadata.correlationID == nil)
        #expect(request.metadata.traceID == nil)
        #expect(request.metadata.sessionID == "session-99")
        #expect(request.metadata.retryCount == 0)
        #expect(request.metadata.ttl == nil)
        #expect(request.metadata.expiresAt == nil)
        #expect(request.payload.operation == .searchData)
        #expect(request.payload.modelID == "qa-model")
        #expect(request.payload.dataType == .document)
        #expect(request.payload.dataSource == nil)
        #expect(request.payload.parameters == ["query": "migration routes", "limit": 5])
        #expect(request.payload.responseTopic == "smartwhale.data.responses.qa-model")
        #expect(request.payload.batchID == nil)
        #expect(request.payload.timeout == 30)
        #expect(request.payload.maxSize == nil)
        #expect(!request.payload.requireFresh)
        #expect(request.payload.tags.isEmpty)
        #expect(request.payload.context.isEmpty)
        #expect(request.unknownFields.isEmpty)
        #expect(request.isValid)
        #expect(isValidDataRequest(request))

        #expect(JSONValue.object(request.toDictionary()) == fixture)
        #expect(try JSONValue(parsing: request.toJSON()) == fixture)
        #expect(try JSONValue(parsing: request.toJSONBytes()) == fixture)
        #expect(try DataRequest(json: request.toJSON()) == request)
        #expect(try JSONDecoder().decode(DataRequest.self, from: Data(bytes)) == request)
        #expect(try JSONValue(parsing: JSONEncoder().encode(request)) == fixture)
        if case .object(let members) = fixture {
            #expect(try DataRequest(dictionary: members) == request)
            #expect(DataRequest.isValid(dictionary: members))
            #expect(isValidDataRequest(members))
        } else {
            Issue.record("fixture is not an object")
        }
    }

    @Test func dataResponse() throws {
        let bytes = try ContractFixtures.bytes("data_response.json")
        let fixture = try ContractFixtures.json("data_response.json")
        let response = try DataResponse(json: String(decoding: bytes, as: UTF8.self))
        #expect(response.metadata.requestID == "5d41402a-bc4b-4a76-b971-9d911017c592")
        #expect(response.metadata.timestamp.text == "2024-05-01T12:30:46.500000+00:00")
        #expect(response.metadata.timestamp.utcOffsetSeconds == 0)
        #expect(response.metadata.source == "data")
        #expect(response.metadata.destination == "qa-model")
        #expect(response.metadata.priority == .medium)
        #expect(response.metadata.requestSource == .user)
        #expect(response.metadata.correlationID == "5d41402a-bc4b-4a76-b971-9d911017c592")
        #expect(response.metadata.traceID == "trace-0042")
        #expect(response.metadata.sessionID == nil)
        #expect(response.metadata.retryCount == 0)
        #expect(response.metadata.ttl == 60)
        #expect(response.metadata.expiresAt == nil)
        #expect(response.payload.operation == .searchData)
        #expect(response.payload.status == .success)
        #expect(response.payload.dataType == .document)
        #expect(response.payload.dataSource == .scientific)
        #expect(response.payload.data["documents"]?[0]?["pages"] == .integer(12))
        #expect(response.payload.data["count"] == 1)
        #expect(response.payload.errorMessage == nil)
        #expect(response.payload.errorCode == nil)
        #expect(response.payload.metrics.isEmpty)
        #expect(response.payload.batchID == nil)
        #expect(response.payload.nextCursor == nil)
        #expect(response.payload.totalItems == 1)
        #expect(response.payload.pageInfo.isEmpty)
        #expect(response.payload.metadata.isEmpty)
        #expect(response.payload.sourceURL == nil)
        #expect(response.payload.lastUpdated == nil)
        #expect(response.payload.processingTime == 12.0)
        #expect(!response.payload.cached)
        #expect(response.payload.additionalInfo.isEmpty)
        #expect(response.unknownFields.isEmpty)
        #expect(response.isValid)
        #expect(isValidDataResponse(response))

        #expect(JSONValue.object(response.toDictionary()) == fixture)
        #expect(try JSONValue(parsing: response.toJSON()) == fixture)
        #expect(try DataResponse(json: response.toJSONBytes()) == response)
        #expect(try JSONDecoder().decode(DataResponse.self, from: Data(bytes)) == response)
        // Foundation's JSONEncoder writes the double 12.0 as `12`, so compare its output
        // after decoding rather than structurally; toJSON() above keeps `12.0`.
        #expect(try JSONDecoder().decode(DataResponse.self, from: JSONEncoder().encode(response)) == response)
        #expect(try JSONValue(parsing: response.toJSON())["payload"]?["processing_time"] == .double(12))
    }

    @Test func unknownFieldsArePreservedAtEveryLevel() throws {
        var fixture = try ContractFixtures.object("data_request.json")
        fixture["schema_version"] = 2
        fixture["routing"] = ["region": "eu-west", "hops": [1, 2]]
        var metadata = fixture["metadata"]?.objectValue ?? [:]
        metadata["region"] = "eu"
        metadata["deadline_ms"] = 1500
        fixture["metadata"] = .object(metadata)
        var payload = fixture["payload"]?.objectValue ?? [:]
        payload["embedding_model"] = ["name": "e5", "dims": 768, "normalize": true]
        fixture["payload"] = .object(payload)

        let request = try DataRequest(dictionary: fixture)
        #expect(request.unknownFields == ["schema_version": 2, "routing": ["region": "eu-west", "hops": [1, 2]]])
        #expect(request.metadata.unknownFields == ["region": "eu", "deadline_ms": 1500])
        #expect(request.payload.unknownFields == ["embedding_model": ["name": "e5", "dims": 768, "normalize": true]])
        #expect(request.toDictionary() == fixture)
        #expect(try JSONValue(parsing: DataRequest(json: JSONValue.object(fixture).encoded()).toJSON()) == .object(fixture))

        var responseFixture = try ContractFixtures.object("data_response.json")
        responseFixture["trace"] = ["span": "abc"]
        var responsePayload = responseFixture["payload"]?.objectValue ?? [:]
        responsePayload["confidence"] = 0.97
        responseFixture["payload"] = .object(responsePayload)
        let response = try DataResponse(dictionary: responseFixture)
        #expect(response.payload.unknownFields == ["confidence": 0.97])
        #expect(response.toDictionary() == responseFixture)
    }

    @Test func unknownEnumValuesSurvive() throws {
        var request = try ContractFixtures.object("data_request.json")
        request["metadata"] = .object(
            (request["metadata"]?.objectValue ?? [:]).merging(["request_source": "cron"]) { $1 }
        )
        request["payload"] = .object(
            (request["payload"]?.objectValue ?? [:]).merging(
                ["operation": "stream_data", "data_type": "hologram", "data_source": "mastodon"]
            ) { $1 }
        )
        let decoded = try DataRequest(dictionary: request)
        #expect(decoded.metadata.requestSource == RequestSource(rawValue: "cron"))
        #expect(!decoded.metadata.requestSource.isKnown)
        #expect(decoded.payload.operation.rawValue == "stream_data")
        #expect(decoded.payload.dataType.rawValue == "hologram")
        #expect(decoded.payload.dataSource?.rawValue == "mastodon")
        #expect(decoded.toDictionary() == request)

        var response = try ContractFixtures.object("data_response.json")
        response["payload"] = .object(
            (response["payload"]?.objectValue ?? [:]).merging(["status": "queued", "error_code": "quota_exceeded"]) { $1 }
        )
        let decodedResponse = try DataResponse(dictionary: response)
        #expect(decodedResponse.payload.status == MessageStatus(rawValue: "queued"))
        #expect(decodedResponse.payload.errorCode == MessageErrorCode(rawValue: "quota_exceeded"))
        #expect(decodedResponse.toDictionary() == response)
    }

    @Test func pythonDefaultsFillAbsentOptionalFields() throws {
        // What an older or terser peer may send: only the required fields.
        let minimal = try DataRequest(
            json: #"""
            {"metadata": {"request_id": "r1", "timestamp": "2024-05-01T12:30:45", "source": "balance", "destination": "data"},
             "payload": {"operation": "fetch_data", "model_id": "m1", "data_type": "text", "tags": null}}
            """#
        )
        #expect(minimal.metadata.priority == .medium)
        #expect(minimal.metadata.requestSource == .user)
        #expect(minimal.metadata.retryCount == 0)
        #expect(minimal.payload.timeout == 30)
        #expect(minimal.payload.responseTopic == "")
        #expect(minimal.payload.tags == [])
        #expect(minimal.payload.parameters == [:])
        // Written back in full, as Python's to_dict writes every field.
        let written = minimal.toDictionary()
        #expect(written["metadata"]?["correlation_id"] == .null)
        #expect(written["metadata"]?["priority"] == 3)
        #expect(written["payload"]?["data_source"] == .null)
        #expect(written["payload"]?["require_fresh"] == false)
        #expect(written["metadata"]?.objectValue?.count == 12)
        #expect(written["payload"]?.objectValue?.count == 12)
        #expect(DataResponse().toDictionary()["payload"]?.objectValue?.count == 18)
    }
}
