import CoreProtocols
import Foundation

/// Loads the hand-written JSON fixtures of `Tests/MessagingTests/Fixtures/`.
enum ContractFixtures {
    /// `Tests/MessagingTests/Fixtures/`, found from this file's path (no bundle resources).
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// The bytes of fixture `name` (e.g. `"metadata.json"`).
    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    /// Fixture `name` parsed as a JSON value.
    static func json(_ name: String) throws -> JSONValue {
        try JSONValue(parsing: bytes(name))
    }

    /// Fixture `name` parsed as a JSON object.
    static func object(_ name: String) throws -> [String: JSONValue] {
        guard let object = try json(name).objectValue else {
            throw WhaleError(.malformedData, "fixture \(name) is not a JSON object")
        }
        return object
    }
}

/// Whether `error` is a `WhaleError` with `code` whose message contains every one of `fragments`.
func isWhaleError(_ error: any Error, _ code: WhaleError.Code, mentioning fragments: String...) -> Bool {
    guard let error = error as? WhaleError, error.code == code else { return false }
    return fragments.allSatisfy { error.message.contains($0) }
}
