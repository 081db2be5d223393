import CoreProtocols

/// The name checks of a subscription: topic names by Kafka's rules
/// (``KafkaTopicName``), group ids by the rules below.
enum KafkaNames {
    /// The longest group id accepted, in UTF-8 bytes.
    static let maxGroupLength = 255

    /// Throws `.invalidInput` for an illegal topic name.
    static func validateTopic(_ topic: String, what: String = "topic name") throws {
        try KafkaTopicName.validate(topic, what: what)
    }

    /// Why `group` is not a usable group id; `nil` when it is. Usable:
    /// 1…255 UTF-8 bytes, not only white space, no control characters.
    static func groupProblem(_ group: String) -> String? {
        if group.allSatisfy(\.isWhitespace) { return "the group id is empty" }
        if group.utf8.count > maxGroupLength {
            return "the group id is \(group.utf8.count) bytes long; the limit is \(maxGroupLength)"
        }
        if group.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "the group id \(group.debugDescription) contains a control character"
        }
        return nil
    }

    /// Throws `.invalidInput` for an unusable group id.
    static func validateGroup(_ group: String) throws {
        if let problem = groupProblem(group) { throw WhaleError(.invalidInput, problem) }
    }
}
