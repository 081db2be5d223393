import CoreProtocols

/// The pure rules of the in-process bus: topic and group names, Kafka's
/// key-hash partitioner, message sizes and the priority of a message.
enum InProcessBusRules {
    /// Checks `name` against Kafka's topic-name rules (``KafkaTopicName``).
    /// - Throws: `WhaleError` `.invalidInput` naming the problem.
    static func validateTopicName(_ name: String) throws {
        try KafkaTopicName.validate(name)
    }

    /// Checks a consumer group name by the Kafka subscriber's rules
    /// (`KafkaNames`): 1…255 UTF-8 bytes, not only white space, no control
    /// characters.
    /// - Throws: `WhaleError` `.invalidInput`.
    static func validateGroupName(_ group: String) throws {
        try KafkaNames.validateGroup(group)
    }

    /// The bytes a message counts for in size limits and retention: key, value,
    /// and every header's key and value.
    static func size(key: [UInt8]?, value: [UInt8], headers: [MessageHeader]) -> Int {
        var size = (key?.count ?? 0) + value.count
        for header in headers {
            size += header.key.utf8.count + (header.value?.count ?? 0)
        }
        return size
    }

    // MARK: Partitioning

    /// Kafka's default partition for a key: `toPositive(murmur2(key)) % partitions`,
    /// as the Java client (and librdkafka's `murmur2_random`) computes it, so a
    /// key lands on the same partition number here as on a Kafka topic with the
    /// same partition count.
    static func partition(forKey key: [UInt8], partitions: Int) -> Int {
        Int(murmur2(key) & 0x7fff_ffff) % partitions
    }

    /// Kafka's murmur2 (seed `0x9747b28c`), as an unsigned 32-bit value.
    static func murmur2(_ data: [UInt8]) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        let length = data.count
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: length)
        var index = 0
        while index + 4 <= length {
            var k = UInt32(data[index]) | UInt32(data[index + 1]) << 8
                | UInt32(data[index + 2]) << 16 | UInt32(data[index + 3]) << 24
            k &*= m
            k ^= k >> 24
            k &*= m
            h &*= m
            h ^= k
            index += 4
        }
        let remaining = length - index
        if remaining == 3 { h ^= UInt32(data[index + 2]) << 16 }
        if remaining >= 2 { h ^= UInt32(data[index + 1]) << 8 }
        if remaining >= 1 {
            h ^= UInt32(data[index])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }

    // MARK: Expiry

    /// The request id and expiry of a JSON Smart Whale message
    /// (``MessageMetadata/expiry``), or `nil` for a value that is not such a
    /// message or carries no expiry.
    static func expiry(of value: [UInt8]) -> (requestID: String, expiry: MessageTimestamp)? {
        guard let first = value.first(where: { !isASCIIWhitespace($0) }), first == UInt8(ascii: "{"),
            let parsed = try? JSONValue(parsing: value),
            let members = parsed["metadata"]?.objectValue,
            let metadata = try? MessageMetadata(dictionary: members)
        else { return nil }
        if let expiresAt = metadata.expiresAt { return (metadata.requestID, expiresAt) }
        if let ttl = metadata.ttl { return (metadata.requestID, metadata.timestamp.advanced(bySeconds: ttl)) }
        return nil
    }

    // MARK: Priority

    /// The header whose decimal value 1…5 gives a message's priority: `"priority"`.
    static let priorityHeader = "priority"

    /// The priority used for ordering, 1 (most urgent) … 5, as far as it can be
    /// told cheaply: the last `priority` header holding a decimal 1…5; else `nil`
    /// for a JSON object value that mentions `"priority"` (resolved later, only
    /// when a priority-ordered subscription looks, by ``jsonPriority(_:)``);
    /// else 3 (``Priority/medium``).
    static func priority(value: [UInt8], headers: [MessageHeader]) -> Int8? {
        if let header = headers.last(where: { $0.key == priorityHeader }), let bytes = header.value,
            let number = Int(String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace()),
            Priority.validRange.contains(number)
        {
            return Int8(number)
        }
        return looksLikeJSONWithPriority(value) ? nil : Int8(Priority.default.rawValue)
    }

    /// The `metadata.priority` (1…5) of a JSON Smart Whale message, else 3
    /// (``Priority/medium``).
    static func jsonPriority(_ value: [UInt8]) -> Int8 {
        if let parsed = try? JSONValue(parsing: value),
            let number = parsed["metadata"]?["priority"]?.intValue, Priority.validRange.contains(number)
        {
            return Int8(number)
        }
        return Int8(Priority.default.rawValue)
    }

    private static let priorityKey: [UInt8] = Array("\"priority\"".utf8)

    /// A cheap test before parsing: the value starts with `{` and holds `"priority"`.
    private static func looksLikeJSONWithPriority(_ value: [UInt8]) -> Bool {
        guard let first = value.first(where: { !isASCIIWhitespace($0) }), first == UInt8(ascii: "{") else {
            return false
        }
        let needle = priorityKey
        guard value.count >= needle.count else { return false }
        var start = 0
        while start + needle.count <= value.count {
            if value[start] == needle[0] {
                var matched = true
                for offset in 1..<needle.count where value[start + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return true }
            }
            start += 1
        }
        return false
    }

    fileprivate static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

extension String {
    /// The string without leading and trailing ASCII spaces, tabs and newlines.
    fileprivate func trimmingASCIIWhitespace() -> Substring {
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { !InProcessBusRules.isASCIIWhitespace($0) }),
            let last = bytes.lastIndex(where: { !InProcessBusRules.isASCIIWhitespace($0) })
        else { return "" }
        return self[first...last]
    }
}
