/// One entry of the topic manager's base topic table: the spec's key, the
/// topic (or, for the per-model responses, the prefix), and what it carries.
public struct TopicDefinition: Hashable, Sendable {
    /// The key the spec and the Python services use, e.g. `"data_requests"`.
    public var key: String
    /// The topic name, or for ``isPrefix`` entries the prefix of the derived
    /// names (`"<name>.<model_id>"`).
    public var name: String
    /// What the topic carries.
    public var category: TopicCategory
    /// Whether ``name`` is a prefix rather than a topic (`data_responses_prefix`):
    /// such an entry is never created itself.
    public var isPrefix: Bool

    /// Creates a table entry.
    /// - Parameter isPrefix: Default: `false`.
    public init(key: String, name: String, category: TopicCategory, isPrefix: Bool = false) {
        self.key = key
        self.name = name
        self.category = category
        self.isPrefix = isPrefix
    }
}
