public import CoreProtocols

/// A rule across the fields of one object (the spec's `check_constraints`):
/// "end after start", "one of a, b required", "b only with a", or any closure.
public struct InputConstraint: Sendable {
    /// Checks an object's fields; returns each problem as `(field or nil, message)`.
    public typealias Check = @Sendable (_ fields: [String: JSONValue]) -> [(field: String?, message: String)]

    /// A short name for messages and logs.
    public let name: String
    let check: Check

    /// A constraint from a closure.
    /// - Parameters:
    ///   - name: a short name.
    ///   - check: returns each problem as `(field or nil, message)`; a field names the path's last segment.
    public init(name: String, check: @escaping Check) {
        self.name = name
        self.check = check
    }

    /// `later` must come after `earlier` (numbers by value; strings, such as
    /// ISO-8601 timestamps in one format, by text). Skipped when either is missing.
    /// - Parameter orEqual: whether equal values pass. Default: `false`.
    public static func ordered(_ earlier: String, before later: String, orEqual: Bool = false) -> InputConstraint {
        InputConstraint(name: "\(earlier) before \(later)") { fields in
            guard let first = fields[earlier], let second = fields[later], !first.isNull, !second.isNull else { return [] }
            let order: Int?
            if let a = first.doubleValue, let b = second.doubleValue {
                order = a < b ? -1 : (a == b ? 0 : 1)
            } else if let a = first.stringValue, let b = second.stringValue {
                order = a < b ? -1 : (a == b ? 0 : 1)
            } else {
                order = nil
            }
            guard let order else { return [(later, "'\(earlier)' and '\(later)' cannot be compared")] }
            if order < 0 || (orEqual && order == 0) { return [] }
            return [(later, "'\(later)' must be after '\(earlier)'")]
        }
    }

    /// At least one of `names` must be present and not `null`.
    public static func atLeastOne(of names: [String]) -> InputConstraint {
        InputConstraint(name: "one of \(names.joined(separator: ", "))") { fields in
            names.contains { fields[$0].map { !$0.isNull } ?? false } ? [] : [(nil, "one of \(names.map { "'\($0)'" }.joined(separator: ", ")) is required")]
        }
    }

    /// Exactly one of `names` must be present and not `null`.
    public static func exactlyOne(of names: [String]) -> InputConstraint {
        InputConstraint(name: "exactly one of \(names.joined(separator: ", "))") { fields in
            let present = names.filter { fields[$0].map { !$0.isNull } ?? false }
            if present.count == 1 { return [] }
            let list = names.map { "'\($0)'" }.joined(separator: ", ")
            return [(nil, present.isEmpty ? "one of \(list) is required" : "only one of \(list) may be given, found \(present.count)")]
        }
    }

    /// When `field` is present, each of `dependencies` must be too.
    public static func requires(_ dependencies: [String], when field: String) -> InputConstraint {
        InputConstraint(name: "\(field) requires \(dependencies.joined(separator: ", "))") { fields in
            guard let value = fields[field], !value.isNull else { return [] }
            return dependencies.filter { fields[$0].map(\.isNull) ?? true }.map { ($0, "'\($0)' is required when '\(field)' is given") }
        }
    }
}
