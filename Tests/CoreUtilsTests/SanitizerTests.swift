import CoreProtocols
import CoreUtils
import Testing

@Suite struct SanitizerTests {
    @Test func normalisesToNFCByDefaultAndNFKCWhenAsked() {
        #expect(Sanitizer.sanitize("e\u{301}").unicodeScalars.count == 1)  // é composed
        #expect(Sanitizer.sanitize("ｆｕｌｌ", options: SanitizerOptions(normalization: .nfkc)) == "full")
        #expect(Sanitizer.sanitize("ﻙ", options: SanitizerOptions(normalization: .nfkc)) == "ك")  // Arabic presentation form
        #expect(Sanitizer.sanitize("ｆ", options: SanitizerOptions(normalization: .nfc)) == "ｆ")
    }

    @Test func removesControlAndZeroWidthButKeepsPersianZWNJ() {
        let persian = "می\u{200C}خواهم"
        #expect(Sanitizer.sanitize(persian).unicodeScalars.elementsEqual(persian.unicodeScalars))
        #expect(Sanitizer.sanitize("ab\u{200C}cd") == "abcd")  // no meaning between Latin letters
        #expect(Sanitizer.sanitize("pay\u{200B}pal\u{FEFF}") == "paypal")
        #expect(Sanitizer.sanitize("abc\u{202E}fdp.exe") == "abcfdp.exe")  // right-to-left override
        #expect(Sanitizer.sanitize("a\u{0}b\u{7}c\u{85}d\te") == "abcd\te")
        let family = "👨\u{200D}👩\u{200D}👧"
        #expect(Sanitizer.sanitize(family) == family)
        #expect(Sanitizer.sanitize("\u{200F}سلام") == "\u{200F}سلام")  // RLM kept
    }

    @Test func trimsCollapsesCapsAndEscapes() {
        #expect(Sanitizer.sanitize("  a  b \n") == "a  b")
        #expect(Sanitizer.sanitize("  a  \t b ", options: SanitizerOptions(collapsesWhitespace: true)) == "a b")
        #expect(Sanitizer.sanitize("سلام دنیا", options: SanitizerOptions(maximumLength: 4)) == "سلام")
        #expect(Sanitizer.sanitize(#"<a href="x">'&'</a>"#, options: SanitizerOptions(escapesHTML: true)) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }

    @Test func sanitisesEveryStringInAJSONValue() throws {
        let value: JSONValue = [" key\u{200B}": [" a ", 1, ["b\u{0}": "c "]], "n": nil]
        #expect(try Sanitizer.sanitize(value) == ["key": ["a", 1, ["b": "c"]], "n": nil])
        #expect(throws: WhaleError.self) { try Sanitizer.sanitize(["a": 1, " a": 2]) }
    }

    @Test(arguments: ["", ".", "..", "../etc/passwd", "a/b", "a\\b", "a\u{0}b", "a\nb", "x\u{202E}", String(repeating: "a", count: 256)])
    func unsafeNamesAreRejected(_ name: String) {
        #expect { try Sanitizer.safeName(name) } throws: { ($0 as? WhaleError)?.code == .invalidInput }
    }

    @Test func safeNamesPass() throws {
        #expect(try Sanitizer.safeName("report-۱۴۰۳.json") == "report-۱۴۰۳.json")
        #expect(try Sanitizer.safeName("..hidden") == "..hidden")
    }
}
