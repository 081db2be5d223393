/// A message to publish: where it goes and what it carries.
public struct OutboundMessage: Sendable {
    /// The topic to publish to.
    public var topic: String
    /// The partitioning key; `nil` lets the transport choose.
    public var key: [UInt8]?
    /// The payload (for the Smart Whale contract: UTF-8 JSON).
    public var value: [UInt8]
    /// Headers carried with the message. Default: none.
    public var headers: [MessageHeader]

    public init(topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [MessageHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}
