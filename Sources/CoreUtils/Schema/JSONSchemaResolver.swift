public import CoreProtocols

/// Supplies schema documents that a schema references by URI (`$ref` to another
/// document, a custom `$schema`). The draft 2020-12 meta-schemas are built in
/// and never asked for.
public protocol JSONSchemaResolver: Sendable {
    /// The document at `uri` (an absolute URI without fragment), or `nil` when
    /// this resolver does not know it (compiling then fails naming the `$ref`).
    /// - Throws: when the document exists but cannot be read or parsed.
    func schema(for uri: String) throws -> JSONValue?
}
