public import CoreProtocols

/// `text_metrics`: how long a text is and what it is written in, counted on
/// grapheme clusters (what a reader sees as one character: `👨‍👩‍👧` is one,
/// `é` is one however it is encoded).
///
/// - Words are runs of letters, digits and marks; a ZWNJ inside a Persian word
///   (`می‌خواهم`) and an apostrophe or hyphen between letters (`don't`,
///   `state-of-the-art`) do not split it.
/// - Sentences end at `.`, `!`, `?`, `؟`, `…` or `۔` followed by a space or the
///   end; a `.` inside a number (`3.14`), after a single letter (`e.g.`) or after
///   a common abbreviation (`Dr.`, `etc.`) does not end one. A text with words
///   and no terminator is one sentence.
/// - The script mix is the share of letters in the Latin script, the Arabic
///   script (Persian) and others.
/// - Reading time assumes 238 words a minute for English (Brysbaert, 2019) and
///   180 for Persian (its readers' usual figure; pass another speed for your readers).
///
/// ```swift
/// let metrics = try TextMetrics(of: "سلام دنیا! Hello world.")
/// metrics.words                 // 4
/// metrics.sentences             // 2
/// metrics.dominantScript        // .latin: 10 Latin letters, 8 Persian
/// ```
public struct TextMetrics: Hashable, Sendable {
    /// A writing system, as far as these metrics tell them apart.
    public enum Script: String, Hashable, Sendable {
        /// Latin letters (English and other European languages).
        case latin
        /// Arabic-script letters (Persian, Arabic, Urdu).
        case arabic
        /// Any other letters.
        case other
        /// No letters at all.
        case none
    }

    /// Grapheme clusters.
    public let characters: Int
    /// Unicode scalars.
    public let unicodeScalars: Int
    /// UTF-8 bytes.
    public let utf8Bytes: Int
    /// Words.
    public let words: Int
    /// Sentences.
    public let sentences: Int
    /// Lines (0 for an empty text).
    public let lines: Int
    /// Letters, of any script.
    public let letters: Int
    /// Digits, of any digit set.
    public let digits: Int
    /// Latin letters / all letters (0 without letters).
    public let latinShare: Double
    /// Arabic-script letters / all letters.
    public let arabicShare: Double
    /// Other letters / all letters.
    public let otherShare: Double
    /// The script with the most letters (ties: Arabic, then Latin).
    public let dominantScript: Script
    /// The estimated reading time.
    public let readingTime: Duration

    /// Reading speeds in words a minute.
    public struct ReadingSpeed: Hashable, Sendable {
        /// For words in the Latin script.
        public var latin: Double
        /// For words in the Arabic script.
        public var arabic: Double

        /// Creates speeds; both must be positive.
        public init(latin: Double = 238, arabic: Double = 180) {
            self.latin = latin
            self.arabic = arabic
        }
    }

    private static let abbreviations: Set<String> = ["mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc",
                                                     "ltd", "co", "no", "fig", "eg", "ie", "approx", "dept", "est"]

    /// The metrics of `text`; `WhaleError(.invalidInput)` when it is longer than
    /// ``TextLimits/maximumBytes`` or a reading speed is not positive.
    public init(of text: String, readingSpeed: ReadingSpeed = ReadingSpeed()) throws(WhaleError) {
        guard text.utf8.count <= TextLimits.maximumBytes else {
            throw WhaleError(.invalidInput, "the text is \(text.utf8.count) bytes; the limit is \(TextLimits.maximumBytes)")
        }
        guard readingSpeed.latin > 0, readingSpeed.arabic > 0, readingSpeed.latin.isFinite, readingSpeed.arabic.isFinite else {
            throw WhaleError(.invalidInput, "reading speeds must be positive")
        }
        characters = text.count
        unicodeScalars = text.unicodeScalars.count
        utf8Bytes = text.utf8.count
        let scalars = Array(text.unicodeScalars)
        var words = 0, arabicWords = 0
        var latin = 0, arabic = 0, other = 0, digits = 0
        var sentences = 0
        var wordInSentence = false
        var lines = scalars.isEmpty ? 0 : 1
        var index = 0
        var lastWord = ""
        while index < scalars.count {
            let s = scalars[index]
            if s == "\n" || s.value == 0x2028 || s.value == 0x2029 || (s == "\r" && (index + 1 == scalars.count || scalars[index + 1] != "\n")) {
                lines += 1
            }
            if TextScalars.isWordScalar(s) {
                // One word: letters, digits, marks, and joiners between them.
                var wordLatin = 0, wordArabic = 0
                var word = String.UnicodeScalarView()
                while index < scalars.count {
                    let c = scalars[index]
                    if TextScalars.isWordScalar(c) {
                        if TextScalars.digitValue(c) != nil {
                            digits += 1
                        } else if TextScalars.isLatinLetter(c) {
                            latin += 1
                            wordLatin += 1
                        } else if TextScalars.isArabicLetter(c) {
                            arabic += 1
                            wordArabic += 1
                        } else if c.properties.isAlphabetic, !c.properties.generalCategory.isMark {
                            other += 1
                        }
                        word.append(c)
                        index += 1
                    } else if index + 1 < scalars.count, TextScalars.isWordScalar(scalars[index + 1]),
                        c == TextScalars.zwnj || c == "'" || c == "\u{2019}" || c == "-"
                            || ((c == "." || c == "," || c == "\u{066B}" || c == "\u{066C}") && TextScalars.digitValue(scalars[index - 1]) != nil
                                && TextScalars.digitValue(scalars[index + 1]) != nil)
                    {
                        index += 1
                    } else {
                        break
                    }
                }
                words += 1
                wordInSentence = true
                if wordArabic > wordLatin { arabicWords += 1 }
                lastWord = String(word).lowercased()
                continue
            }
            if ".!?؟…۔".unicodeScalars.contains(s) {
                let next = index + 1 < scalars.count ? scalars[index + 1] : nil
                let endsHere = next.map { TextScalars.isWhitespace($0) || "\"'”»)".unicodeScalars.contains($0) || ".!?؟…۔".unicodeScalars.contains($0) } ?? true
                let abbreviation = s == "." && (lastWord.unicodeScalars.count == 1 && lastWord.unicodeScalars.allSatisfy(TextScalars.isLatinLetter)
                    || Self.abbreviations.contains(lastWord))
                if endsHere, wordInSentence, !abbreviation {
                    sentences += 1
                    wordInSentence = false
                }
            }
            index += 1
        }
        if wordInSentence { sentences += 1 }
        self.words = words
        self.sentences = sentences
        self.lines = lines
        self.digits = digits
        let letters = latin + arabic + other
        self.letters = letters
        latinShare = letters == 0 ? 0 : Double(latin) / Double(letters)
        arabicShare = letters == 0 ? 0 : Double(arabic) / Double(letters)
        otherShare = letters == 0 ? 0 : Double(other) / Double(letters)
        if letters == 0 {
            dominantScript = .none
        } else if arabic >= latin && arabic >= other {
            dominantScript = .arabic
        } else if latin >= other {
            dominantScript = .latin
        } else {
            dominantScript = .other
        }
        // Words of neither script (numbers, other scripts) read at the Latin speed.
        let minutes = Double(arabicWords) / readingSpeed.arabic + Double(words - arabicWords) / readingSpeed.latin
        readingTime = .milliseconds(Int64((minutes * 60_000).rounded()))
    }
}

extension Unicode.GeneralCategory {
    var isMark: Bool { self == .nonspacingMark || self == .spacingMark || self == .enclosingMark }
}
