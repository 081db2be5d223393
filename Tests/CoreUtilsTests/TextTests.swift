import CoreProtocols
import CoreUtils
import Testing

@Suite struct TextNormalizerTests {
    @Test(arguments: [
        // Arabic yeh and kaf to Persian, Arabic-Indic digits to ASCII, whitespace.
        ("  كتاب‌هاي   ما ١٢٣ ", "کتاب‌های ما 123"),
        ("علي", "علی"),
        ("مصطفى", "مصطفی"),
        ("۱۴۰۳/۰۹/۱۵", "1403/09/15"),
        // Diacritics and tatweel.
        ("مُحَمَّد", "محمد"),
        ("ســـلام", "سلام"),
        // ZWNJ: repeats collapse; edges, spaces, Latin context and non-joining letters lose it.
        ("می\u{200C}\u{200C}خواهم", "می\u{200C}خواهم"),
        ("\u{200C}سلام\u{200C} دنیا\u{200C}", "سلام دنیا"),
        ("ab\u{200C}cd", "abcd"),
        ("خانه\u{200C}ها", "خانه\u{200C}ها"),
        ("دیو\u{200C}ها", "دیوها"),
        ("zero\u{200B}width\u{00AD}", "zerowidth"),
        // NFKC and case folding.
        ("ＦＵＬＬ Width", "full width"),
        ("ﻙﺘﺎﺏ", "کتاب"),
        ("Straße", "strasse"),
        ("a\u{00A0}b\tc\n\nd", "a b c d"),
        ("", ""),
    ])
    func defaults(_ input: String, _ expected: String) {
        let normalized = TextNormalizer.normalize(input)
        #expect(normalized.unicodeScalars.elementsEqual(expected.unicodeScalars), "\(input) → \(normalized.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test func optionsAndPresets() {
        #expect(TextNormalizer.normalize("Café 123", options: .search) == "cafe 123")
        #expect(TextNormalizer.normalize("Café 123", options: TextNormalizationOptions(digits: .persian)) == "café ۱۲۳")
        #expect(TextNormalizer.normalize("می خواهم کتاب ها را", options: .search) == "می\u{200C}خواهم کتاب\u{200C}ها را")
        #expect(TextNormalizer.normalize("نمی روم", options: .search) == "نمی\u{200C}روم")
        let display = TextNormalizer.normalize("Line  one\n\n  Line ٢ مُحَمَّد", options: .display)
        #expect(display == "Line one\nLine ٢ مُحَمَّد")
        #expect(TextNormalizer.normalize("ABC", options: TextNormalizationOptions(foldsCase: false)) == "ABC")
    }

    @Test func idempotent() {
        let inputs = ["  كتاب‌هاي   ما ١٢٣ ", "می\u{200C}\u{200C}خواهم كه بروم.", "ＦＵＬＬ Ｗｉｄｔｈ ﻙﺘﺎﺏ", "مُحَمَّد ســـلام",
                      "Straße ǅ ﬁ", "\u{200C}\u{200C}", "e\u{301}\u{301}", "👨\u{200D}👩\u{200D}👧 ok", "\u{202E}abc", "a\u{200C} b"]
        for options in [TextNormalizationOptions.default, .search, .display] {
            for input in inputs {
                let once = TextNormalizer.normalize(input, options: options)
                #expect(TextNormalizer.normalize(once, options: options) == once, "\(input)")
            }
        }
    }

    @Test func oversizedTextIsATypedError() {
        let huge = String(repeating: "a", count: TextLimits.maximumBytes + 1)
        #expect(throws: WhaleError.self) { try TextNormalizer().normalizeChecked(huge) }
        #expect(throws: WhaleError.self) { try TextPatternFinder.find(in: huge) }
        #expect(throws: WhaleError.self) { try TextMetrics(of: huge) }
    }
}

@Suite struct TextPatternFinderTests {
    func found(_ text: String, _ kinds: TextPatternKinds = .all) throws -> [String] {
        try TextPatternFinder.find(in: text, kinds: kinds).map { "\($0.kind.rawValue):\($0.normalized)" }
    }

    @Test func emailsURLsMentionsAndHashtags() throws {
        #expect(try found("write to Ali.Reza@Example.co.ir today") == ["email:ali.reza@example.co.ir"])
        #expect(try found("see https://smartwhale.ir/docs?q=1, or www.example.com.") == ["url:https://smartwhale.ir/docs?q=1", "url:http://www.example.com"])
        #expect(try found("ping @ali_reza and @مریم") == ["mention:ali_reza", "mention:مریم"])
        #expect(try found("#هوش_مصنوعی and #AI but not #123") == ["hashtag:هوش_مصنوعی", "hashtag:AI"])
        #expect(try found("ali@example.com", [.mention]) == [])  // an email is not a mention
        #expect(try found("#یادگیری\u{200C}ماشین") == ["hashtag:یادگیری\u{200C}ماشین"])
        #expect(try found("not@an email, a@b.c") == [])
    }

    @Test func iranianAndInternationalPhones() throws {
        #expect(try found("0912 345 6789") == ["phone:+989123456789"])
        #expect(try found("۰۹۱۲-۳۴۵-۶۷۸۹") == ["phone:+989123456789"])
        #expect(try found("+98 912 345 6789") == ["phone:+989123456789"])
        #expect(try found("00989123456789") == ["phone:+989123456789"])
        #expect(try found("تلفن: ۰۲۱-۸۸۷۷۶۶۵۵") == ["phone:+982188776655"])
        #expect(try found("+1 415 555 2671") == ["phone:+14155552671"])
        #expect(try found("9123456789") == ["phone:+989123456789"])
        #expect(try found("+98 12345") == ["number:98", "number:12345"])  // too short for Iran: not a phone
    }

    @Test func datesAndNumbersInEitherDigitSet() throws {
        #expect(try found("on 2026-12-05 and ۱۴۰۵/۰۹/۱۴") == ["date:2026-12-05", "date:1405-09-14"])
        #expect(try found("not 2026-13-05") == ["number:2026", "number:13", "number:5"])  // no month 13
        #expect(try found("1404/12/30") == ["number:1404", "number:12", "number:30"])  // 1404 is not a leap year
        #expect(try found("1403/12/30") == ["date:1403-12-30"])
        #expect(try found("price 1,234,567.89 or ۱۲٬۳۴۵٫۶ or -7") == ["number:1234567.89", "number:12345.6", "number:-7"])
        #expect(try found("3.14 ٠٫٥") == ["number:3.14", "number:0.5"])
        #expect(try found("10kg 3rd x2") == [])
        #expect(try found("") == [])
        let text = "تماس: ۰۹۱۲ ۳۴۵ ۶۷۸۹ یا ali@example.com"
        let matches = try TextPatternFinder.find(in: text)
        #expect(matches.map { String(text[$0.range]) } == ["۰۹۱۲ ۳۴۵ ۶۷۸۹", "ali@example.com"])
    }
}

@Suite struct TextMetricsTests {
    @Test func countsCharactersWordsAndSentences() throws {
        let metrics = try TextMetrics(of: "سلام دنیا! Hello world.")
        #expect(metrics.characters == 23)
        #expect(metrics.words == 4)
        #expect(metrics.sentences == 2)
        #expect(metrics.lines == 1)
        #expect(metrics.letters == 18)
        #expect(metrics.arabicShare == 8.0 / 18)
        #expect(metrics.latinShare == 10.0 / 18)
        #expect(metrics.dominantScript == .latin)
        let family = try TextMetrics(of: "👨\u{200D}👩\u{200D}👧 e\u{301}")
        #expect(family.characters == 3)
        #expect(family.unicodeScalars == 8)
        #expect(family.words == 1)
    }

    @Test func persianWordsAndTrickySentences() throws {
        #expect(try TextMetrics(of: "می\u{200C}خواهم کتاب\u{200C}ها را بخوانم").words == 4)
        #expect(try TextMetrics(of: "Pi is 3.14. Dr. Smith agrees, e.g. me. Really?").sentences == 3)
        #expect(try TextMetrics(of: "آیا می‌آیی؟ بله… حتماً").sentences == 3)
        #expect(try TextMetrics(of: "don't stop state-of-the-art").words == 3)
        #expect(try TextMetrics(of: "one\ntwo\r\nthree").lines == 3)
        #expect(try TextMetrics(of: "no terminator").sentences == 1)
        #expect(try TextMetrics(of: "...!!!").sentences == 0)
        let digits = try TextMetrics(of: "۱۲۳ and 45")
        #expect(digits.digits == 5 && digits.words == 3)
    }

    @Test func readingTimeAndEmptyText() throws {
        let english = try TextMetrics(of: Array(repeating: "word", count: 238).joined(separator: " "))
        #expect(english.readingTime == .seconds(60))
        let persian = try TextMetrics(of: Array(repeating: "کلمه", count: 90).joined(separator: " "))
        #expect(persian.readingTime == .seconds(30))
        #expect(persian.dominantScript == .arabic)
        let empty = try TextMetrics(of: "")
        #expect(empty.characters == 0 && empty.words == 0 && empty.sentences == 0 && empty.lines == 0)
        #expect(empty.dominantScript == .none && empty.readingTime == .zero && empty.latinShare == 0)
        #expect(throws: WhaleError.self) { try TextMetrics(of: "x", readingSpeed: .init(latin: 0)) }
        #expect(try TextMetrics(of: "\u{301}\u{301}").characters == 1)  // lone combining marks
    }
}
