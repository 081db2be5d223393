/// One header of a message: a key and raw bytes (Kafka record headers).
public struct MessageHeader: Hashable, Sendable {
    /// The header's name.
    public var key: String
    /// The header's value; `nil` is a header without a value.
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// A header whose value is the UTF-8 bytes of `value`.
    public init(key: String, string value: String) {
        self.init(key: key, value: Array(value.utf8))
    }
}
