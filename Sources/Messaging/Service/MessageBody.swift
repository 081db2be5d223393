public import CoreProtocols

/// What ``KafkaService/sendMessage(topic:_:key:headers:)`` sends: a JSON
/// value (a dictionary, for the spec's `send_message(topic, dict)`), text or
/// raw bytes.
///
/// ```swift
/// try await kafka.sendMessage(topic: "smartwhale.core.logs", ["level": "info", "text": "started"])
/// try await kafka.sendMessage(topic: "smartwhale.core.logs", .text("plain text"))
/// try await kafka.sendMessage(topic: "raw", .bytes([0x00, 0xff]))
/// ```
public enum MessageBody: Sendable, Hashable, ExpressibleByDictionaryLiteral, ExpressibleByStringLiteral {
    /// JSON, sent as compact UTF-8 JSON text.
    case json(JSONValue)
    /// Text, sent as its UTF-8 bytes (not quoted).
    case text(String)
    /// Bytes, sent unchanged.
    case bytes([UInt8])

    /// A JSON object.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .json(.object(Dictionary(elements, uniquingKeysWith: { _, last in last })))
    }

    /// Text.
    public init(stringLiteral value: String) {
        self = .text(value)
    }

    /// A JSON object: the spec's dictionary form.
    public static func dictionary(_ members: [String: JSONValue]) -> MessageBody {
        .json(.object(members))
    }

    /// The bytes that go on the wire.
    public var bytes: [UInt8] {
        switch self {
        case .json(let value): value.encoded()
        case .text(let text): Array(text.utf8)
        case .bytes(let bytes): bytes
        }
    }
}
