import CoreProtocols
import Foundation
import Messaging
import Testing

@Suite struct ContractTimestampTests {
    private static let instant = WhaleInstant(nanosecondsSinceEpoch: 1_714_566_645_123_456_000)

    @Test(arguments: [
        ("2024-05-01T12:30:45.123456", 1_714_566_645_123_456_000 as Int64, nil as Int?),
        ("2024-05-01T12:30:45.123456+00:00", 1_714_566_645_123_456_000, 0),
        ("2024-05-01T12:30:45.123456Z", 1_714_566_645_123_456_000, 0),
        ("2024-05-01 12:30:45.123456", 1_714_566_645_123_456_000, nil),
        ("2024-05-01T12:30:45", 1_714_566_645_000_000_000, nil),
        ("2024-05-01T12:30:45.123", 1_714_566_645_123_000_000, nil),
        ("2024-05-01T12:30:45.123456789", 1_714_566_645_123_456_789, nil),
        ("2024-05-01T09:00:00+03:30", 1_714_541_400_000_000_000, 12_600),
        ("2024-05-01T09:00:00+0330", 1_714_541_400_000_000_000, 12_600),
        ("2024-05-01T12:30:45-02:00", 1_714_573_845_000_000_000, -7_200),
        ("2024-05-01T12:30", 1_714_566_600_000_000_000, nil),
        ("2024-02-29", 1_709_164_800_000_000_000, nil),
        ("1969-12-31T23:59:59", -1_000_000_000, nil),
    ])
    func parsesWhatPythonWrites(text: String, nanoseconds: Int64, offset: Int?) throws {
        let timestamp = try MessageTimestamp(parsing: text)
        #expect(timestamp.instant.nanosecondsSinceEpoch == nanoseconds)
        #expect(timestamp.utcOffsetSeconds == offset)
        #expect(timestamp.hasExplicitOffset == (offset != nil))
        #expect(timestamp.text == text)
    }

    @Test(arguments: [
        "", "yesterday", "2024-13-01T00:00:00", "2023-02-29T00:00:00", "2024-04-31", "2024-05-01T24:00:00",
        "2024-05-01T12:60:00", "2024-05-01T12:30:45.", "2024-05-01T12:30:45+25:00", "2024-05-01T12:30:45 UTC",
        "2024-5-1T12:30:45", "1714566645",
    ])
    func rejectsWhatIsNotADateTime(text: String) {
        #expect {
            try MessageTimestamp(parsing: text)
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "ISO-8601")
        }
    }

    @Test func writesUTCWithMicroseconds() throws {
        let timestamp = MessageTimestamp(Self.instant)
        #expect(timestamp.text == "2024-05-01T12:30:45.123456+00:00")
        #expect(timestamp.utcOffsetSeconds == 0)
        let truncated = MessageTimestamp(WhaleInstant(nanosecondsSinceEpoch: 1_714_566_645_123_456_999))
        #expect(truncated == timestamp)
        #expect(try MessageTimestamp(parsing: timestamp.text) == timestamp)
        #expect(MessageTimestamp(WhaleInstant(nanosecondsSinceEpoch: 0)).text == "1970-01-01T00:00:00.000000+00:00")
        #expect(MessageTimestamp(WhaleInstant(nanosecondsSinceEpoch: -1_000)).text == "1969-12-31T23:59:59.999999+00:00")
        #expect(MessageTimestamp(WhaleInstant(secondsSinceEpoch: 951_782_400)).text == "2000-02-29T00:00:00.000000+00:00")
    }

    @Test func roundTripsManyInstants() throws {
        var seconds: Int64 = -2_208_988_800  // 1900-01-01
        while seconds < 4_102_444_800 {  // 2100-01-01
            let timestamp = MessageTimestamp(WhaleInstant(nanosecondsSinceEpoch: seconds * 1_000_000_000 + 654_321_000))
            let parsed = try MessageTimestamp(parsing: timestamp.text)
            #expect(parsed.instant == timestamp.instant, "\(timestamp.text)")
            seconds += 7_777_777
        }
    }

    @Test func ordersByInstantAndAdvances() throws {
        let naive = try MessageTimestamp(parsing: "2024-05-01T12:30:45")
        let tehran = try MessageTimestamp(parsing: "2024-05-01T16:00:45+03:30")
        #expect(naive.instant == tehran.instant)
        #expect(naive != tehran)
        #expect(naive < naive.advanced(bySeconds: 1))
        #expect(naive.advanced(bySeconds: 300).text == "2024-05-01T12:35:45.000000+00:00")
    }

    @Test func codableKeepsTheText() throws {
        let decoded = try JSONDecoder().decode([MessageTimestamp].self, from: Data(#"["2024-05-01T12:30:45"]"#.utf8))
        #expect(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self) == #"["2024-05-01T12:30:45"]"#)
    }
}
