/// Character classes of the scripts Smart Whale's users write (Persian,
/// Arabic and English), shared by the normaliser, the pattern finder and the
/// metrics.
enum TextScalars {
    static let zwnj: Unicode.Scalar = "\u{200C}"

    /// A letter of the Arabic script (Persian, Arabic, Urdu letters and presentation forms).
    static func isArabicLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0620...0x064A, 0x066E...0x066F, 0x0671...0x06D3, 0x06D5, 0x06EE...0x06EF, 0x06FA...0x06FC, 0x06FF,
            0x0750...0x077F, 0x08A0...0x08FF, 0xFB50...0xFDFF, 0xFE70...0xFEFC:
            return true
        default:
            return false
        }
    }

    /// A Latin letter (ASCII and the Latin-1, Extended-A/B and Additional blocks).
    static func isLatinLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x24F, 0x1E00...0x1EFF: return true
        default: return false
        }
    }

    /// Arabic combining marks: harakat, tanwin, shadda, sukun, superscript alef, Quranic marks.
    static func isArabicDiacritic(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0610...0x061A, 0x064B...0x065F, 0x0670, 0x06D6...0x06DC, 0x06DF...0x06E8, 0x06EA...0x06ED: return true
        default: return false
        }
    }

    /// The value of a digit in ASCII, Persian (U+06F0…) or Arabic-Indic (U+0660…), else nil.
    static func digitValue(_ s: Unicode.Scalar) -> Int? {
        switch s.value {
        case 0x30...0x39: Int(s.value - 0x30)
        case 0x06F0...0x06F9: Int(s.value - 0x06F0)
        case 0x0660...0x0669: Int(s.value - 0x0660)
        default: nil
        }
    }

    /// Letters that do not join the letter after them: a ZWNJ after one changes nothing.
    static func isNonJoining(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x0622, 0x0623, 0x0625, 0x0627, 0x062F, 0x0630, 0x0631, 0x0632, 0x0698, 0x0648, 0x0624, 0x0629, 0x06C0, 0x0671:
            return true
        default:
            return false
        }
    }

    /// A letter, digit or combining mark of any script: part of a word.
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        if isArabicLetter(s) || isLatinLetter(s) || digitValue(s) != nil || isArabicDiacritic(s) { return true }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
            .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }
}

/// Limits on the text the text utilities accept.
public enum TextLimits {
    /// The largest text (in UTF-8 bytes) the throwing text functions accept: 10 MiB.
    public static let maximumBytes = 10 << 20
}
