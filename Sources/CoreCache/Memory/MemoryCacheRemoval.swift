/// One entry that left a ``MemoryCache``, as the removal listener receives it.
public struct MemoryCacheRemoval<Key: Sendable, Value: Sendable>: Sendable {
    /// The entry's key.
    public var key: Key
    /// The value that left (for `.replaced`: the old value).
    public var value: Value
    /// Why it left.
    public var cause: MemoryCacheRemovalCause
    /// The frequency sketch's estimate for the key when it left, 0…15.
    public var frequency: Int

    /// Creates a removal record.
    public init(key: Key, value: Value, cause: MemoryCacheRemovalCause, frequency: Int) {
        self.key = key
        self.value = value
        self.cause = cause
        self.frequency = frequency
    }
}
