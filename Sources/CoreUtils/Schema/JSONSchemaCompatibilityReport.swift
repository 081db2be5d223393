/// The outcome of ``JSONSchemaCompatibility/check(old:new:mode:)``: compatible or
/// not, and each reason it is not.
public struct JSONSchemaCompatibilityReport: Sendable, Hashable {
    /// One incompatibility.
    public struct Issue: Sendable, Hashable, CustomStringConvertible {
        /// The kind of change. New codes may be added; switch with a `default`.
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            /// The code as a stable snake_case string.
            public let rawValue: String
            private init(_ rawValue: String) { self.rawValue = rawValue }

            /// A property became required (or a new required property appeared).
            public static let requiredAdded = Code("required_added")
            /// The accepted types shrank (`number` → `integer`, a type dropped).
            public static let typeNarrowed = Code("type_narrowed")
            /// A property the other side may send is rejected by a closed content model.
            public static let propertyRemovedClosedModel = Code("property_removed_closed_model")
            /// A property appeared with a schema narrower than an open content model allowed.
            public static let propertyAddedOpenModel = Code("property_added_open_model")
            /// `additionalProperties` went from open to closed or narrower.
            public static let additionalPropertiesNarrowed = Code("additional_properties_narrowed")
            /// `enum` / `const` values were removed or added where there were none.
            public static let enumNarrowed = Code("enum_narrowed")
            /// A numeric bound tightened.
            public static let rangeNarrowed = Code("range_narrowed")
            /// A length, item-count or property-count bound tightened.
            public static let sizeNarrowed = Code("size_narrowed")
            /// A `pattern` was added or changed.
            public static let patternChanged = Code("pattern_changed")
            /// A `format` was added or changed.
            public static let formatChanged = Code("format_changed")
            /// `uniqueItems` was added.
            public static let uniqueItemsAdded = Code("unique_items_added")
            /// A combination (`anyOf`, `oneOf`, `allOf`, `not`, `false`) rejects what the other side allowed.
            public static let combinationNarrowed = Code("combination_narrowed")

            public var description: String { rawValue }
        }

        /// Which check found it: `backward` (old data, new reader) or `forward` (new data, old reader).
        public var direction: JSONSchemaCompatibilityMode
        /// The JSON Pointer into the schema instances where the change bites (`/payload/limit`).
        public var path: String
        /// The kind of change.
        public var code: Code
        /// A readable reason.
        public var message: String

        /// `direction path: message [code]`.
        public var description: String { "\(direction) \(path.isEmpty ? "/" : path): \(message) [\(code)]" }
    }

    /// The mode checked.
    public var mode: JSONSchemaCompatibilityMode
    /// Every incompatibility found.
    public var issues: [Issue]
    /// Whether no incompatibility was found.
    public var isCompatible: Bool { issues.isEmpty }
}
