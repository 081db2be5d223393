public import CoreProtocols
import Foundation

/// What ``TextNormalizer`` does, step by step; every step can be turned off.
public struct TextNormalizationOptions: Hashable, Sendable {
    /// The Unicode normalisation form applied first.
    public enum Form: Hashable, Sendable {
        /// None.
        case none
        /// Canonical composition.
        case nfc
        /// Compatibility composition: presentation forms, full-width letters and
        /// ligatures become their plain letters. The default.
        case nfkc
    }

    /// What digits become.
    public enum Digits: Hashable, Sendable {
        /// Left as they are.
        case keep
        /// Persian and Arabic-Indic digits become ASCII. The default.
        case ascii
        /// ASCII and Arabic-Indic digits become Persian (۰…۹).
        case persian
    }

    /// The normalisation form. Default ``Form/nfkc``.
    public var form: Form
    /// Unicode case folding (`Straße` → `strasse`). Default `true`.
    public var foldsCase: Bool
    /// Whitespace of every kind (tabs, no-break spaces, …) becomes one space,
    /// runs collapse and the ends are trimmed. Default `true`.
    public var normalizesWhitespace: Bool
    /// With ``normalizesWhitespace``, a run of whitespace holding a line break becomes `\n`. Default `false`.
    public var preservesLineBreaks: Bool
    /// Arabic yeh (ي, ى) and kaf (ك) become the Persian ی and ک; Arabic heh with
    /// hamza (ۀ) and teh marbuta stay. Default `true`.
    public var unifiesPersianLetters: Bool
    /// The digit set. Default ``Digits/ascii``.
    public var digits: Digits
    /// Arabic diacritics (harakat, tanwin, shadda, sukun, superscript alef) removed. Default `true`.
    public var removesArabicDiacritics: Bool
    /// Latin diacritics removed too (`café` → `cafe`). Default `false`.
    public var removesLatinDiacritics: Bool
    /// Tatweel (ـ, the kashida used to stretch words) removed. Default `true`.
    public var removesTatweel: Bool
    /// Zero-width non-joiner rules: one ZWNJ where several are, none at word
    /// edges, next to spaces, outside Arabic-script words or after a letter
    /// that does not join; zero-width spaces and soft hyphens removed. Default `true`.
    public var fixesZWNJ: Bool
    /// Writes the space in `می خواهم`, `نمی روم` and before `ها`/`های` as a ZWNJ,
    /// as hazm's normaliser does. Default `false`: it changes words.
    public var joinsPersianAffixes: Bool

    /// Creates options; every argument has the documented default.
    public init(form: Form = .nfkc, foldsCase: Bool = true, normalizesWhitespace: Bool = true,
                preservesLineBreaks: Bool = false, unifiesPersianLetters: Bool = true, digits: Digits = .ascii,
                removesArabicDiacritics: Bool = true, removesLatinDiacritics: Bool = false, removesTatweel: Bool = true,
                fixesZWNJ: Bool = true, joinsPersianAffixes: Bool = false)
    {
        self.form = form
        self.foldsCase = foldsCase
        self.normalizesWhitespace = normalizesWhitespace
        self.preservesLineBreaks = preservesLineBreaks
        self.unifiesPersianLetters = unifiesPersianLetters
        self.digits = digits
        self.removesArabicDiacritics = removesArabicDiacritics
        self.removesLatinDiacritics = removesLatinDiacritics
        self.removesTatweel = removesTatweel
        self.fixesZWNJ = fixesZWNJ
        self.joinsPersianAffixes = joinsPersianAffixes
    }

    /// The defaults: a key for comparing and indexing text.
    public static let `default` = TextNormalizationOptions()
    /// For search: the defaults plus Latin diacritics removed and Persian affixes joined.
    public static let search = TextNormalizationOptions(removesLatinDiacritics: true, joinsPersianAffixes: true)
    /// For text shown to people: NFC, letters unified and ZWNJ fixed, but case,
    /// digits, diacritics and line breaks kept.
    public static let display = TextNormalizationOptions(form: .nfc, foldsCase: false, preservesLineBreaks: true,
                                                         digits: .keep, removesArabicDiacritics: false, removesTatweel: false)
}

/// `normalize_text` for Persian and English: Unicode normalisation, case
/// folding, whitespace, Persian/Arabic letter and digit unification,
/// diacritics, tatweel and ZWNJ rules (``TextNormalizationOptions``).
///
/// Normalising is idempotent: normalising a normalised text changes nothing.
///
/// ```swift
/// TextNormalizer.normalize("  كتاب‌هاي   ما ١٢٣ ")   // "کتاب‌های ما 123"
/// ```
public struct TextNormalizer: Sendable {
    /// The steps.
    public let options: TextNormalizationOptions

    /// A normaliser with `options`.
    public init(options: TextNormalizationOptions = .default) { self.options = options }

    /// `text` normalised with `options`.
    public static func normalize(_ text: String, options: TextNormalizationOptions = .default) -> String {
        TextNormalizer(options: options).normalize(text)
    }

    /// `text` normalised, or `WhaleError(.invalidInput)` when it is longer than ``TextLimits/maximumBytes``.
    public func normalizeChecked(_ text: String) throws(WhaleError) -> String {
        guard text.utf8.count <= TextLimits.maximumBytes else {
            throw WhaleError(.invalidInput, "the text is \(text.utf8.count) bytes; the limit is \(TextLimits.maximumBytes)")
        }
        return normalize(text)
    }

    /// `text` normalised.
    public func normalize(_ text: String) -> String {
        var text = text
        switch options.form {
        case .none: break
        case .nfc: text = text.precomposedStringWithCanonicalMapping
        case .nfkc: text = text.precomposedStringWithCompatibilityMapping
        }
        if options.removesLatinDiacritics {
            // Decompose, drop the combining marks of non-Arabic letters, compose again.
            var out = String.UnicodeScalarView()
            for s in text.decomposedStringWithCanonicalMapping.unicodeScalars
            where !(s.properties.generalCategory == .nonspacingMark && !TextScalars.isArabicDiacritic(s) && s.value < 0x0600) {
                out.append(s)
            }
            text = String(out).precomposedStringWithCanonicalMapping
        }
        if options.foldsCase { text = text.folding(options: [.caseInsensitive], locale: nil) }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(text.unicodeScalars.count)
        for s in text.unicodeScalars {
            if let mapped = map(s) { scalars.append(mapped) }
        }
        if options.fixesZWNJ { scalars = fixZWNJ(scalars) }
        if options.normalizesWhitespace { scalars = normalizeWhitespace(scalars) }
        if options.joinsPersianAffixes {
            scalars = joinAffixes(scalars)
            if options.fixesZWNJ { scalars = fixZWNJ(scalars) }
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    /// One scalar mapped, or nil when it is removed.
    private func map(_ s: Unicode.Scalar) -> Unicode.Scalar? {
        if options.unifiesPersianLetters {
            switch s.value {
            case 0x064A, 0x0649: return "\u{06CC}"  // ي ى → ی
            case 0x0643: return "\u{06A9}"  // ك → ک
            default: break
            }
        }
        if options.removesArabicDiacritics, TextScalars.isArabicDiacritic(s) { return nil }
        if options.removesTatweel, s.value == 0x0640 { return nil }
        if options.fixesZWNJ, s.value == 0x200B || s.value == 0x00AD || s.value == 0xFEFF { return nil }
        if let digit = TextScalars.digitValue(s) {
            switch options.digits {
            case .keep: break
            case .ascii: return Unicode.Scalar(UInt8(0x30 + digit))
            case .persian: return Unicode.Scalar(0x06F0 + UInt32(digit))
            }
        }
        return s
    }

    private func fixZWNJ(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            let s = scalars[index]
            guard s == TextScalars.zwnj else {
                out.append(s)
                index += 1
                continue
            }
            var next = index
            while next < scalars.count, scalars[next] == TextScalars.zwnj { next += 1 }
            // Keep one only between an Arabic-script letter that joins (or a diacritic on one) and an Arabic-script letter.
            var before = out.last
            var back = out.count - 1
            while let b = before, TextScalars.isArabicDiacritic(b), back > 0 {
                back -= 1
                before = out[back]
            }
            let after = next < scalars.count ? scalars[next] : nil
            if let before, let after, TextScalars.isArabicLetter(before), !TextScalars.isNonJoining(before),
                TextScalars.isArabicLetter(after)
            {
                out.append(TextScalars.zwnj)
            }
            index = next
        }
        return out
    }

    private func normalizeWhitespace(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(scalars.count)
        var pending: Unicode.Scalar?
        for s in scalars {
            if TextScalars.isWhitespace(s) {
                let isBreak = s == "\n" || s == "\r" || s.value == 0x2028 || s.value == 0x2029 || s.value == 0x0B || s.value == 0x0C
                    || s.value == 0x85
                if options.preservesLineBreaks, isBreak { pending = "\n" } else if pending == nil { pending = " " }
                continue
            }
            if let space = pending, !out.isEmpty { out.append(space) }
            pending = nil
            out.append(s)
        }
        return out
    }

    /// `می خواهم` → `می‌خواهم`, `کتاب ها` → `کتاب‌ها` (spaces already single).
    private func joinAffixes(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let words = scalars.split(separator: " ", omittingEmptySubsequences: false).map(Array.init)
        guard words.count > 1 else { return scalars }
        let prefixes: Set<[Unicode.Scalar]> = [Array("می".unicodeScalars), Array("نمی".unicodeScalars)]
        let suffixes: Set<[Unicode.Scalar]> = [Array("ها".unicodeScalars), Array("های".unicodeScalars), Array("هایی".unicodeScalars)]
        var out: [Unicode.Scalar] = words[0]
        for index in 1..<words.count {
            let previous = words[index - 1]
            let word = words[index]
            let joinPrefix = prefixes.contains(previous) && word.first.map(TextScalars.isArabicLetter) == true
            let joinSuffix = suffixes.contains(word) && previous.last.map(TextScalars.isArabicLetter) == true
            out.append(joinPrefix || joinSuffix ? TextScalars.zwnj : " ")
            out.append(contentsOf: word)
        }
        return out
    }
}
