public import CoreProtocols
import Foundation

/// Resolves URIs under a prefix to files in a directory: with prefix
/// `http://localhost:1234/` and directory `remotes/`, the URI
/// `http://localhost:1234/draft2020-12/tree.json` reads `remotes/draft2020-12/tree.json`.
/// This is how the JSON-Schema-Test-Suite serves its remotes.
public struct JSONSchemaDirectoryResolver: JSONSchemaResolver {
    /// The URI prefix mapped to the directory (`http://localhost:1234/`).
    public let prefix: String
    /// The directory holding the documents.
    public let directory: String

    /// Creates a resolver.
    /// - Parameters:
    ///   - prefix: the URI prefix mapped to `directory`.
    ///   - directory: the folder holding the documents.
    public init(prefix: String, directory: String) {
        self.prefix = prefix
        self.directory = directory
    }

    /// The parsed file for `uri`; `nil` for URIs outside the prefix, for paths
    /// that climb out of the directory (`..`) and for missing files.
    /// - Throws: `WhaleError` `.malformedData` when the file is not JSON.
    public func schema(for uri: String) throws -> JSONValue? {
        guard uri.hasPrefix(prefix) else { return nil }
        let relative = String(uri.dropFirst(prefix.count))
        let components = relative.split(separator: "/")
        guard !components.contains(".."), !relative.contains("\0") else { return nil }
        let path = (directory.hasSuffix("/") ? directory : directory + "/") + relative
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try JSONValue(parsing: data)
    }
}
