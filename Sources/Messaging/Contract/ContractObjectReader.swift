import CoreProtocols

/// Reads the fields of one JSON object of the message contract with the rules
/// every structure shares, naming each field by its path (`metadata.priority`)
/// in errors:
///
/// - A required field that is absent or `null` is missing; ``requirePresent(_:)``
///   lists every missing one at once.
/// - An optional field that is absent or `null` is `nil`.
/// - A field with a default that is absent or `null` takes the default (Python
///   fills the same defaults in `from_dict`).
/// - A value of the wrong JSON type is an error, never silently replaced.
/// - Integers accept a double with an exact integral value (`3.0`), as Python's
///   `int` fields would hold either.
///
/// Every error is a `WhaleError` `.malformedData`.
struct ContractObjectReader {
    let members: [String: JSONValue]
    let path: String

    /// Reads `value`, which must be an object, at `path` (e.g. `"metadata"`).
    init(_ value: JSONValue?, path: String) throws {
        guard let value, !value.isNull else {
            throw WhaleError(.malformedData, "\(path): missing (an object is required)")
        }
        guard case .object(let members) = value else {
            throw Self.typeError(path, expected: "an object", found: value)
        }
        self.members = members
        self.path = path
    }

    init(members: [String: JSONValue], path: String) {
        self.members = members
        self.path = path
    }

    func fieldPath(_ key: some CodingKey) -> String {
        path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
    }

    /// The value of `key` unless it is absent or `null`.
    func present(_ key: some CodingKey) -> JSONValue? {
        guard let value = members[key.stringValue], !value.isNull else { return nil }
        return value
    }

    /// The paths of the keys among `keys` that are absent or `null`.
    func missing<Key: CodingKey>(_ keys: [Key]) -> [String] {
        keys.filter { present($0) == nil }.map { fieldPath($0) }
    }

    /// Throws listing every key of `keys` that is absent or `null`.
    func requirePresent<Key: CodingKey>(_ keys: [Key]) throws {
        let missing = missing(keys)
        if !missing.isEmpty { throw Self.missingError(missing) }
    }

    // MARK: Strings

    func string(_ key: some CodingKey) throws -> String {
        guard let value = present(key) else { throw Self.missingError([fieldPath(key)]) }
        return try string(value, key)
    }

    func string(_ key: some CodingKey, default defaultValue: String) throws -> String {
        try optionalString(key) ?? defaultValue
    }

    func optionalString(_ key: some CodingKey) throws -> String? {
        guard let value = present(key) else { return nil }
        return try string(value, key)
    }

    private func string(_ value: JSONValue, _ key: some CodingKey) throws -> String {
        guard case .string(let string) = value else {
            throw Self.typeError(fieldPath(key), expected: "a string", found: value)
        }
        return string
    }

    func strings(_ key: some CodingKey) throws -> [String] {
        guard let value = present(key) else { return [] }
        guard case .array(let elements) = value else {
            throw Self.typeError(fieldPath(key), expected: "an array of strings", found: value)
        }
        return try elements.enumerated().map { index, element in
            guard case .string(let string) = element else {
                throw Self.typeError("\(fieldPath(key))[\(index)]", expected: "a string", found: element)
            }
            return string
        }
    }

    // MARK: Numbers and booleans

    func int(_ key: some CodingKey, default defaultValue: Int) throws -> Int {
        try optionalInt(key) ?? defaultValue
    }

    func optionalInt(_ key: some CodingKey) throws -> Int? {
        guard let value = present(key) else { return nil }
        switch value {
        case .integer, .double:
            guard let int = value.intValue else {
                throw WhaleError(.malformedData, "\(fieldPath(key)): \(value) is not a whole number")
            }
            return int
        default:
            throw Self.typeError(fieldPath(key), expected: "an integer", found: value)
        }
    }

    func optionalDouble(_ key: some CodingKey) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard let double = value.doubleValue else {
            throw Self.typeError(fieldPath(key), expected: "a number", found: value)
        }
        return double
    }

    func bool(_ key: some CodingKey, default defaultValue: Bool) throws -> Bool {
        guard let value = present(key) else { return defaultValue }
        guard case .bool(let bool) = value else {
            throw Self.typeError(fieldPath(key), expected: "a boolean", found: value)
        }
        return bool
    }

    // MARK: Free JSON

    /// An object member; absent or `null` is an empty object.
    func object(_ key: some CodingKey) throws -> [String: JSONValue] {
        guard let value = present(key) else { return [:] }
        guard case .object(let members) = value else {
            throw Self.typeError(fieldPath(key), expected: "an object", found: value)
        }
        return members
    }

    /// Any value; absent is `null`.
    func value(_ key: some CodingKey) -> JSONValue {
        members[key.stringValue] ?? .null
    }

    // MARK: Contract types

    func timestamp(_ key: some CodingKey) throws -> MessageTimestamp {
        let text = try string(key)
        return try timestamp(text, key)
    }

    func optionalTimestamp(_ key: some CodingKey) throws -> MessageTimestamp? {
        guard let text = try optionalString(key) else { return nil }
        return try timestamp(text, key)
    }

    private func timestamp(_ text: String, _ key: some CodingKey) throws -> MessageTimestamp {
        do {
            return try MessageTimestamp(parsing: text)
        } catch {
            throw WhaleError(.malformedData, "\(fieldPath(key)): '\(text)' is not an ISO-8601 date-time", underlying: error)
        }
    }

    func priority(_ key: some CodingKey) throws -> Priority {
        guard let value = present(key) else { return .default }
        switch value {
        case .integer, .double:
            guard let number = value.intValue, let priority = Priority(rawValue: number) else {
                throw WhaleError(.malformedData, "\(fieldPath(key)): \(value) is not in 1…5")
            }
            return priority
        default:
            throw Self.typeError(fieldPath(key), expected: "an integer in 1…5", found: value)
        }
    }

    /// The members whose keys are not among `known`: the fields of a newer peer.
    func unknownFields<Key: CodingKey & CaseIterable>(besides known: Key.Type) -> [String: JSONValue] {
        let knownNames = Set(Key.allCases.map(\.stringValue))
        return members.filter { !knownNames.contains($0.key) }
    }

    // MARK: Errors

    static func missingError(_ paths: [String]) -> WhaleError {
        WhaleError(
            .malformedData,
            paths.count == 1 ? "\(paths[0]): missing required field" : "missing required fields: \(paths.joined(separator: ", "))"
        )
    }

    static func typeError(_ path: String, expected: String, found value: JSONValue) -> WhaleError {
        WhaleError(.malformedData, "\(path): expected \(expected), got \(describe(value))")
    }

    /// A short description of a value for error messages: its kind and, for scalars, the value.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "the boolean \(flag)"
        case .integer(let number): "the integer \(number)"
        case .double(let number): "the number \(JSONValue.double(number))"
        case .string(let string): "the string \(JSONValue.string(string.count > 40 ? String(string.prefix(40)) + "…" : string))"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Sets `key`'s wire name to `value`, or to `null` when `value` is `nil`.
    mutating func setField(_ key: some CodingKey, _ value: JSONValue?) {
        self[key.stringValue] = value ?? .null
    }
}
