import CoreProtocols
import Foundation
import Messaging
import Testing

@Suite struct ContractEnumTests {
    @Test func dataTypeWireValues() {
        #expect(DataType.allKnown.map(\.rawValue) == ["text", "image", "video", "audio", "document", "structured", "mixed"])
        #expect(DataType.structured.rawValue == "structured")
    }

    @Test func dataSourceWireValues() {
        #expect(
            DataSource.allKnown.map(\.rawValue) == [
                "web", "wiki", "twitter", "telegram", "youtube", "aparat", "news", "book", "api",
                "linkedin", "podcast", "rss", "scientific", "database", "custom",
            ]
        )
        #expect(DataSource.aparat.rawValue == "aparat")
    }

    @Test func operationTypeWireValues() {
        #expect(
            OperationType.allKnown.map(\.rawValue) == [
                "fetch_data", "process_data", "update_data", "delete_data", "monitor_data",
                "verify_data", "search_data", "translate_data", "summarize_data", "analyze_data",
            ]
        )
        #expect(OperationType.fetchData.rawValue == "fetch_data")
    }

    @Test func requestSourceAndTopicCategoryWireValues() {
        #expect(RequestSource.allKnown.map(\.rawValue) == ["user", "model", "system", "scheduled", "api"])
        #expect(
            TopicCategory.allKnown.map(\.rawValue)
                == ["request", "response", "event", "metric", "log", "internal", "command", "notification"]
        )
        #expect(TopicCategory.internal.rawValue == "internal")
    }

    @Test func priorityValuesOrderAndDefault() throws {
        #expect(Priority.allCases.map(\.rawValue) == [1, 2, 3, 4, 5])
        #expect(Priority.allCases == [.critical, .high, .medium, .low, .background])
        #expect(Priority.default == .medium)
        #expect(Priority.critical < Priority.background)
        #expect([Priority.low, .critical, .medium].sorted() == [.critical, .medium, .low])
        #expect(try Priority(validating: 5) == .background)
        for bad in [0, 6, -1] {
            #expect {
                try Priority(validating: bad)
            } throws: { error in
                isWhaleError(error, .invalidInput, mentioning: "\(bad) is not in 1…5")
            }
        }
        #expect(String(decoding: try JSONEncoder().encode([Priority.high]), as: UTF8.self) == "[2]")
    }

    @Test func unknownValuesSurviveCodable() throws {
        let json = Data(#"["hologram", "text"]"#.utf8)
        let decoded = try JSONDecoder().decode([DataType].self, from: json)
        #expect(decoded == [DataType(rawValue: "hologram"), .text])
        #expect(decoded.map(\.isKnown) == [false, true])
        #expect(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self) == #"["hologram","text"]"#)
        let source = try JSONDecoder().decode(DataSource.self, from: Data(#""mastodon""#.utf8))
        #expect(source.rawValue == "mastodon" && !source.isKnown)
        #expect(OperationType(rawValue: "stream_data").description == "stream_data")
    }

    @Test func knownValuesAreKnown() {
        let allKnown = DataType.allKnown.allSatisfy(\.isKnown)
        #expect(allKnown)
        #expect(DataSource.allKnown.count == 15)
        #expect(OperationType.allKnown.count == 10)
        #expect(MessageStatus.allKnown.count == 5)
        #expect(MessageErrorCode.allKnown.count == 6)
        #expect(Set(DataSource.allKnown).count == 15)
    }
}
