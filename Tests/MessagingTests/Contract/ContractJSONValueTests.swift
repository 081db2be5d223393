import CoreProtocols
import Foundation
import Testing

@Suite struct ContractJSONValueTests {
    @Test func numbersKeepTheirKind() throws {
        #expect(try JSONValue(parsing: "42") == .integer(42))
        #expect(try JSONValue(parsing: "-7") == .integer(-7))
        #expect(try JSONValue(parsing: "-0") == .integer(0))
        #expect(try JSONValue(parsing: "42.0") == .double(42))
        #expect(try JSONValue(parsing: "1e3") == .double(1000))
        #expect(try JSONValue(parsing: "2.5E-3") == .double(0.0025))
        #expect(try JSONValue(parsing: "9223372036854775807") == .integer(.max))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .integer(.min))
        #expect(try JSONValue(parsing: "9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(JSONValue.integer(1) != JSONValue.double(1))
    }

    @Test func encodingKeepsIntegersAndDoublesApart() throws {
        let value: JSONValue = ["int": 42, "double": 42.0, "big": 1e20, "small": 1e-7, "negative": -0.5]
        let text = value.encodedString()
        #expect(text == #"{"big":1e+20,"double":42.0,"int":42,"negative":-0.5,"small":1e-07}"#)
        #expect(try JSONValue(parsing: text) == value)
    }

    @Test func scalarsAndContainersRoundTrip() throws {
        let text = #"{"a": [true, false, null, "x", 1, 2.5, {}, []], "b": {"c": {"d": "e"}}}"#
        let value = try JSONValue(parsing: text)
        #expect(value["a"]?[0]?.boolValue == true)
        #expect(value["a"]?[2]?.isNull == true)
        #expect(value["a"]?[3]?.stringValue == "x")
        #expect(value["a"]?[4]?.intValue == 1)
        #expect(value["a"]?[5]?.doubleValue == 2.5)
        #expect(value["a"]?[6]?.objectValue == [:])
        #expect(value["a"]?[7]?.arrayValue == [])
        #expect(value["a"]?[8] == nil)
        #expect(value["b"]?["c"]?["d"] == "e")
        #expect(value["missing"] == nil)
        #expect(try JSONValue(parsing: value.encoded()) == value)
        #expect(try JSONValue(parsing: value.encodedString(prettyPrinted: true)) == value)
    }

    @Test func accessorsConvertOnlyWhatIsExact() {
        #expect(JSONValue.double(3).intValue == 3)
        #expect(JSONValue.double(3.5).intValue == nil)
        #expect(JSONValue.integer(3).doubleValue == 3)
        #expect(JSONValue.string("3").intValue == nil)
        #expect(JSONValue.bool(true).stringValue == nil)
        #expect(JSONValue.null.isNull)
    }

    @Test func stringsDecodeEscapesAndUnicode() throws {
        #expect(try JSONValue(parsing: #""a\"b\\c\/d\n\t\u00e9\ud83d\udc33""#) == .string("a\"b\\c/d\n\té🐳"))
        #expect(try JSONValue(parsing: #""نهنگ""#) == .string("نهنگ"))
        // A lone surrogate, which Python may write, cannot live in a Swift string.
        #expect(try JSONValue(parsing: #""x\ud800y""#) == .string("x\u{FFFD}y"))
        let written = JSONValue.string("q\"\\\n\u{01}é").encodedString()
        #expect(written == #""q\"\\\n\u0001é""#)
        #expect(try JSONValue(parsing: written) == .string("q\"\\\n\u{01}é"))
    }

    @Test func pythonsNonFiniteLiteralsRoundTrip() throws {
        let value = try JSONValue(parsing: "[NaN, Infinity, -Infinity]")
        #expect(value == [.double(.nan), .double(.infinity), .double(-.infinity)])
        #expect(value.encodedString() == "[NaN,Infinity,-Infinity]")
        #expect(Set([JSONValue.double(.nan), JSONValue.double(.nan)]).count == 1)
    }

    @Test func literalsBuildTheMatchingCases() {
        let value: JSONValue = ["s": "x", "i": 1, "d": 1.5, "b": true, "n": nil, "a": [1, "two"]]
        #expect(value["s"] == .string("x"))
        #expect(value["i"] == .integer(1))
        #expect(value["d"] == .double(1.5))
        #expect(value["b"] == .bool(true))
        #expect(value["n"] == .null)
        #expect(value["a"] == .array([.integer(1), .string("two")]))
    }

    @Test(arguments: [
        "", "   ", "{", "[1,]", "[1 2]", #"{"a" 1}"#, #"{"a":1,}"#, "{a:1}", "01", "1.", "1e", "-", "+1", "tru", "nul",
        #""abc"#, "\"a\u{01}b\"", #""\x""#, #""\u12G4""#, "1 2", "[1]]", "'single'", "[NaN2]",
    ])
    func malformedJSONIsATypedError(text: String) {
        #expect {
            try JSONValue(parsing: text)
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "JSON", "at byte")
        }
    }

    @Test func invalidUTF8IsATypedError() {
        #expect {
            try JSONValue(parsing: [0x22, 0xFF, 0xFE, 0x22] as [UInt8])
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "UTF-8")
        }
    }

    @Test func nestingIsLimited() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try JSONValue(parsing: deepest).arrayValue != nil)
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect {
            try JSONValue(parsing: tooDeep)
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "nesting deeper than 512")
        }
        // Far deeper than any stack could recurse: still a typed error, not a crash.
        let hostile = String(repeating: #"{"a":"#, count: 200_000)
        #expect {
            try JSONValue(parsing: hostile)
        } throws: { error in
            isWhaleError(error, .malformedData, mentioning: "nesting")
        }
        #expect(throws: WhaleError.self) {
            try JSONValue(parsing: "[[[1]]]", maximumDepth: 2)
        }
    }

    @Test func parsesFromBytesSlicesAndData() throws {
        let bytes = Array(#"  {"k": [1, 2]}  "#.utf8)
        #expect(try JSONValue(parsing: bytes) == ["k": [1, 2]])
        #expect(try JSONValue(parsing: Data(bytes)) == ["k": [1, 2]])
        #expect(try JSONValue(parsing: bytes[2...]) == ["k": [1, 2]])
        #expect(try JSONValue(parsing: [0xEF, 0xBB, 0xBF] + Array("7".utf8)) == 7)
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try JSONValue(parsing: #"{"a": 1, "a": 2}"#) == ["a": 2])
    }

    @Test func codableThroughFoundation() throws {
        let value: JSONValue = ["list": [1, 2.5, "x", true, nil], "nested": ["k": "v"]]
        let data = try JSONEncoder().encode(value)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(decoded["list"]?[0] == .integer(1))
        #expect(decoded["list"]?[1] == .double(2.5))
        #expect(decoded["list"]?[4] == .null)
        #expect(decoded["nested"] == ["k": "v"])
        #expect(try JSONValue(parsing: data)["list"]?[2] == "x")
    }
}
