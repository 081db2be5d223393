import CoreProtocols
import Foundation
import Messaging
import Testing

/// Bad input gives a `WhaleError` that names the field, never a crash or a silent default.
@Suite struct ContractErrorTests {
    /// The request fixture with `value` at `path` (`"metadata.priority"`); `nil` removes the field.
    private func request(setting path: String, to value: JSONValue?) throws -> [String: JSONValue] {
        var fixture = try ContractFixtures.object("data_request.json")
        let parts = path.split(separator: ".").map(String.init)
        if parts.count == 1 {
            fixture[parts[0]] = value
        } else {
            var part = fixture[parts[0]]?.objectValue ?? [:]
            part[parts[1]] = value
            fixture[parts[0]] = .object(part)
        }
        return fixture
    }

    private func expectDecodingError(
        _ dictionary: [String: JSONValue],
        mentioning fragments: String...,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(sourceLocation: sourceLocation) {
            try DataRequest(dictionary: dictionary)
        } throws: { error in
            guard let error = error as? WhaleError, error.code == .malformedData else { return false }
            return fragments.allSatisfy { error.message.contains($0) }
        }
        #expect(!DataRequest.isValid(dictionary: dictionary), sourceLocation: sourceLocation)
    }

    @Test func malformedJSON() {
        for text in ["", "{", #"{"metadata": }"#, "not json", #"{"metadata": {"request_id": "x",}}"#] {
            #expect {
                try DataRequest(json: text)
            } throws: { error in
                isWhaleError(error, .malformedData, mentioning: "data request: JSON")
            }
            #expect {
                try DataResponse(json: Array(text.utf8))
            } throws: { error in
                isWhaleError(error, .malformedData, mentioning: "data response: JSON")
            }
        }
    }

    @Test func jsonThatIsNotAnObject() {
        #expect {
            try DataRequest(json: "[1, 2]")
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "data request: expected a JSON object, got an array")
        }
        #expect {
            try DataResponse(json: #""hello""#)
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "expected a JSON object")
        }
    }

    @Test(arguments: [0, 6, -3, 100])
    func priorityOutOfRange(priority: Int64) throws {
        expectDecodingError(
            try request(setting: "metadata.priority", to: .integer(priority)),
            mentioning: "metadata.priority: \(priority) is not in 1…5"
        )
    }

    @Test func priorityOfTheWrongType() throws {
        expectDecodingError(try request(setting: "metadata.priority", to: "3"), mentioning: "metadata.priority", "string")
        expectDecodingError(try request(setting: "metadata.priority", to: 2.5), mentioning: "metadata.priority: 2.5 is not in 1…5")
        // An integral double is an integer, as in Python.
        #expect(try DataRequest(dictionary: request(setting: "metadata.priority", to: 4.0)).metadata.priority == .low)
    }

    @Test func wrongTypesNameTheField() throws {
        let cases: [(String, JSONValue, String)] = [
            ("metadata.request_id", 42, "metadata.request_id: expected a string, got the integer 42"),
            ("metadata.retry_count", "1", #"metadata.retry_count: expected an integer, got the string "1""#),
            ("metadata.ttl", 1.5, "metadata.ttl: 1.5 is not a whole number"),
            ("metadata.correlation_id", ["x"], "metadata.correlation_id: expected a string, got an array"),
            ("metadata.timestamp", "yesterday", "metadata.timestamp: 'yesterday' is not an ISO-8601 date-time"),
            ("metadata.expires_at", "2024-02-30T00:00:00", "metadata.expires_at"),
            ("payload.model_id", true, "payload.model_id: expected a string, got the boolean true"),
            ("payload.data_type", 3, "payload.data_type: expected a string"),
            ("payload.parameters", "x", #"payload.parameters: expected an object, got the string "x""#),
            ("payload.timeout", "30", "payload.timeout: expected an integer"),
            ("payload.require_fresh", "no", "payload.require_fresh: expected a boolean"),
            ("payload.tags", ["a", 1], "payload.tags[1]: expected a string, got the integer 1"),
            ("payload.tags", "a", "payload.tags: expected an array of strings"),
            ("payload.context", [1], "payload.context: expected an object, got an array"),
            ("metadata", "m", #"metadata: expected an object, got the string "m""#),
            ("payload", [], "payload: expected an object, got an array"),
        ]
        for (path, value, message) in cases {
            expectDecodingError(try request(setting: path, to: value), mentioning: message)
        }
    }

    @Test func responseFieldsOfTheWrongType() throws {
        var fixture = try ContractFixtures.object("data_response.json")
        var payload = fixture["payload"]?.objectValue ?? [:]
        payload["cached"] = "no"
        fixture["payload"] = .object(payload)
        #expect {
            try DataResponse(dictionary: fixture)
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: #"payload.cached: expected a boolean, got the string "no""#)
        }
        payload["cached"] = false
        payload["processing_time"] = "fast"
        fixture["payload"] = .object(payload)
        #expect {
            try DataResponse(dictionary: fixture)
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "payload.processing_time: expected a number")
        }
        #expect(!isValidDataResponse(fixture))
    }

    @Test func missingRequiredFieldsAreAllListed() throws {
        var fixture = try ContractFixtures.object("data_request.json")
        var metadata = fixture["metadata"]?.objectValue ?? [:]
        metadata["request_id"] = nil
        metadata["timestamp"] = .null
        fixture["metadata"] = .object(metadata)
        var payload = fixture["payload"]?.objectValue ?? [:]
        payload["model_id"] = nil
        fixture["payload"] = .object(payload)
        expectDecodingError(
            fixture,
            mentioning: "missing required fields: metadata.request_id, metadata.timestamp, payload.model_id"
        )
        expectDecodingError(try request(setting: "payload", to: nil), mentioning: "payload: missing required field")
        #expect {
            try DataRequest(json: "{}")
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "missing required fields: metadata, payload")
        }
        #expect {
            try DataResponse(json: #"{"metadata": {"request_id": "r", "timestamp": "2024-05-01T00:00:00", "source": "data", "destination": "m"}, "payload": {"operation": "fetch_data"}}"#)
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "missing required fields: payload.status, payload.data_type")
        }
        #expect {
            try MessageMetadata(dictionary: ["request_id": "r"])
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "metadata.timestamp, metadata.source, metadata.destination")
        }
        #expect {
            try RequestPayload(dictionary: ["operation": "fetch_data", "data_type": "text"])
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "payload.model_id: missing required field")
        }
    }

    @Test func tooDeepNestingInFreeJSON() throws {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        var text = String(decoding: try ContractFixtures.bytes("data_response.json"), as: UTF8.self)
        text = text.replacingOccurrences(of: #""metrics": {}"#, with: #""metrics": {"deep": \#(deep)}"#)
        #expect {
            try DataResponse(json: text)
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "nesting deeper than 512")
        }
    }

    @Test func codableDecodingReportsTheSameErrors() throws {
        let json = #"{"metadata": {"request_id": "r", "timestamp": "2024-05-01T00:00:00", "source": "b", "destination": "d", "priority": 9}, "payload": {"operation": "fetch_data", "model_id": "m", "data_type": "text"}}"#
        #expect {
            try JSONDecoder().decode(DataRequest.self, from: Data(json.utf8))
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "metadata.priority: 9 is not in 1…5")
        }
    }
}
