import CoreProtocols

/// How urgent a message is (`priority` in the metadata): 1 (critical) … 5 (background).
///
/// Python: `Priority` and the `PRIORITY_*` constants. On the wire it is the integer
/// raw value; a value outside 1…5 is rejected when a message is decoded. Ordering
/// follows the raw value, so sorting ascending puts the most urgent first
/// (`.critical < .background`). Default: ``medium``.
public enum Priority: Int, CaseIterable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// 1: handle at once (`PRIORITY_CRITICAL`).
    case critical = 1
    /// 2: ahead of normal traffic (`PRIORITY_HIGH`).
    case high = 2
    /// 3: normal traffic, the default (`PRIORITY_MEDIUM`, `DEFAULT_PRIORITY`).
    case medium = 3
    /// 4: may be delayed (`PRIORITY_LOW`).
    case low = 4
    /// 5: only when the system is idle (`PRIORITY_BACKGROUND`).
    case background = 5

    /// The priority of a message that does not say: ``medium`` (3).
    public static let `default`: Priority = .medium

    /// The range of valid wire values: 1…5.
    public static let validRange: ClosedRange<Int> = 1...5

    /// The priority for a wire value.
    /// - Throws: `WhaleError` `.invalidInput` when `value` is not in 1…5.
    public init(validating value: Int) throws {
        guard let priority = Priority(rawValue: value) else {
            throw WhaleError(.invalidInput, "priority: \(value) is not in 1…5")
        }
        self = priority
    }

    /// Orders by wire value: the more urgent priority is the smaller.
    public static func < (lhs: Priority, rhs: Priority) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// The case name and wire value, e.g. `medium(3)`.
    public var description: String {
        switch self {
        case .critical: "critical(1)"
        case .high: "high(2)"
        case .medium: "medium(3)"
        case .low: "low(4)"
        case .background: "background(5)"
        }
    }
}
