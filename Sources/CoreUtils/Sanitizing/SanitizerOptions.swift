/// What ``Sanitizer`` does to a string, step by step in this order:
/// normalise, remove unsafe characters, collapse/trim white space, cap the length, escape HTML.
public struct SanitizerOptions: Sendable {
    /// A Unicode normalisation form.
    public struct Normalization: Hashable, Sendable {
        private enum Form: Hashable, Sendable { case none, nfc, nfkc }
        private let form: Form
        private init(_ form: Form) { self.form = form }
        /// Leave the text as it is.
        public static let none = Normalization(.none)
        /// Canonical composition (NFC): the same text, one encoding.
        public static let nfc = Normalization(.nfc)
        /// Compatibility composition (NFKC): also folds full-width forms, ligatures, Arabic presentation forms.
        public static let nfkc = Normalization(.nfkc)

        var isNone: Bool { form == .none }
        var isCompatibility: Bool { form == .nfkc }
    }

    /// The normalisation form. Default: ``Normalization/nfc``.
    public var normalization: Normalization
    /// Remove control characters (C0 and C1) other than tab, line feed and carriage return. Default: `true`.
    public var removesControlCharacters: Bool
    /// Remove zero-width and bidirectional-override characters (U+200B, U+2060,
    /// U+FEFF, U+202A–U+202E, U+2066–U+2069). A zero-width non-joiner (U+200C)
    /// between two Arabic-script letters is kept: Persian writes it inside words
    /// (می‌خواهم); a zero-width joiner inside an emoji sequence is kept. Default: `true`.
    public var removesZeroWidthCharacters: Bool
    /// Trim white space at both ends. Default: `true`.
    public var trims: Bool
    /// Collapse each run of white space into one space. Default: `false`.
    public var collapsesWhitespace: Bool
    /// The most characters kept (the rest is cut at a character boundary). Default: none.
    public var maximumLength: Int?
    /// Escape `&`, `<`, `>`, `"` and `'` for HTML. Default: `false`.
    public var escapesHTML: Bool

    /// Creates options; see each property for its default.
    public init(
        normalization: Normalization = .nfc, removesControlCharacters: Bool = true, removesZeroWidthCharacters: Bool = true,
        trims: Bool = true, collapsesWhitespace: Bool = false, maximumLength: Int? = nil, escapesHTML: Bool = false
    ) {
        self.normalization = normalization
        self.removesControlCharacters = removesControlCharacters
        self.removesZeroWidthCharacters = removesZeroWidthCharacters
        self.trims = trims
        self.collapsesWhitespace = collapsesWhitespace
        self.maximumLength = maximumLength
        self.escapesHTML = escapesHTML
    }
}
