/// The kind of data a request asks for or a response carries (`data_type` on the wire).
///
/// Python: `DataType`. On the wire it is a lowercase string (`"text"`).
///
/// An extensible set rather than a closed `enum`: a newer peer may send a value
/// this version does not know, and that must not make the whole message
/// undecodable. An unknown value decodes to an instance with that raw value
/// (``isKnown`` is `false`) and is encoded back unchanged. Compare with the
/// static members; ``allKnown`` lists them.
public struct DataType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The wire value, e.g. `"text"`.
    public let rawValue: String

    /// Wraps a wire value; any string is accepted, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// `"text"`: Plain text.
    public static let text = DataType(rawValue: "text")
    /// `"image"`: Images.
    public static let image = DataType(rawValue: "image")
    /// `"video"`: Video.
    public static let video = DataType(rawValue: "video")
    /// `"audio"`: Audio.
    public static let audio = DataType(rawValue: "audio")
    /// `"document"`: Documents (PDF, office files, …).
    public static let document = DataType(rawValue: "document")
    /// `"structured"`: Structured data such as JSON or CSV.
    public static let structured = DataType(rawValue: "structured")
    /// `"mixed"`: A mix of the other kinds.
    public static let mixed = DataType(rawValue: "mixed")

    /// Every value the contract defines, in the spec's order.
    public static let allKnown: [DataType] = [.text, .image, .video, .audio, .document, .structured, .mixed]

    /// Whether this is one of ``allKnown`` (`false` for a value from a newer peer).
    public var isKnown: Bool { Self.allKnown.contains(self) }

    /// The wire value.
    public var description: String { rawValue }
}
