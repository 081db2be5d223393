public import CoreProtocols

/// The JSON types an ``InputRule`` may accept.
public struct InputType: OptionSet, Sendable, Hashable {
    /// The bits.
    public let rawValue: UInt8
    /// Creates a set from its bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `null`.
    public static let null = InputType(rawValue: 1)
    /// `true` / `false`.
    public static let boolean = InputType(rawValue: 2)
    /// An integer (also an integral double such as `3.0`).
    public static let integer = InputType(rawValue: 4)
    /// Any number.
    public static let number = InputType(rawValue: 8)
    /// A string.
    public static let string = InputType(rawValue: 16)
    /// An array.
    public static let array = InputType(rawValue: 32)
    /// An object.
    public static let object = InputType(rawValue: 64)
    /// Every type.
    public static let any: InputType = [.null, .boolean, .integer, .number, .string, .array, .object]

    /// Whether `value` is of one of these types.
    public func accepts(_ value: JSONValue) -> Bool {
        switch value {
        case .null: return contains(.null)
        case .bool: return contains(.boolean)
        case .integer: return contains(.integer) || contains(.number)
        case .double(let number): return contains(.number) || (contains(.integer) && number.isFinite && number.rounded(.towardZero) == number)
        case .string: return contains(.string)
        case .array: return contains(.array)
        case .object: return contains(.object)
        }
    }

    /// The type names, for messages.
    public var names: [String] {
        let all: [(InputType, String)] = [
            (.null, "null"), (.boolean, "boolean"), (.integer, "integer"), (.number, "number"),
            (.string, "string"), (.array, "array"), (.object, "object"),
        ]
        return all.filter { contains($0.0) }.map(\.1)
    }
}
