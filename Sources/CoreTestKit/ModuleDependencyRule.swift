public import Foundation
import CoreProtocols

/// The rule that keeps the package modular, as a check a test can run: no
/// `Core*` / `Messaging` library imports another one; they meet only through
/// `CoreProtocols` (ARCHITECTURE.md).
public enum ModuleDependencyRule {
    /// The library modules bound by the rule.
    public static let modules: [String] = [
        "CoreCache", "CoreResources", "CoreResilience", "CoreMonitoring",
        "CoreLogging", "CoreSecurity", "CoreUtils", "Messaging",
    ]

    /// One forbidden import: where it is and what it imports.
    public struct Violation: Hashable, Sendable, CustomStringConvertible {
        /// The file, relative to the package root.
        public var file: String
        /// The 1-based line number.
        public var line: Int
        /// The module imported against the rule.
        public var imported: String

        public var description: String { "\(file):\(line) imports \(imported)" }
    }

    /// Scans every Swift file of `module` under `packageRoot/Sources` and returns
    /// each import of another bound module.
    /// - Throws: when the module's folder holds no Swift file (a wrong root
    ///   would otherwise pass vacuously).
    public static func violations(in module: String, packageRoot: URL) throws -> [Violation] {
        let folder = packageRoot.appendingPathComponent("Sources").appendingPathComponent(module)
        let forbidden = Set(modules).subtracting([module])
        guard let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
            throw WhaleError(.notFound, "no module folder at '\(folder.path)'")
        }
        var files = 0
        var found: [Violation] = []
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            files += 1
            let text = try String(contentsOf: url, encoding: .utf8)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if let imported = importedModule(in: line), forbidden.contains(imported) {
                    let relative = String(url.path.dropFirst(packageRoot.path.count + 1))
                    found.append(Violation(file: relative, line: index + 1, imported: imported))
                }
            }
        }
        guard files > 0 else {
            throw WhaleError(.notFound, "no Swift file under '\(folder.path)': a wrong package root would pass vacuously")
        }
        return found
    }

    /// ``violations(in:packageRoot:)`` with the root found from a test file's
    /// `#filePath` (`<root>/Tests/<Target>/<File>.swift`).
    public static func violations(in module: String, testFile: String = #filePath) throws -> [Violation] {
        let root = URL(fileURLWithPath: testFile).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try violations(in: module, packageRoot: root)
    }

    /// The module named by an import declaration on `line`, if it is one:
    /// `import X`, `@testable import X`, `public import X`, `import struct X.Y`.
    static func importedModule(in line: Substring) -> String? {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        while let first = words.first, first.hasPrefix("@") || ["public", "package", "internal", "private", "fileprivate"].contains(first) {
            words = words.dropFirst()
        }
        guard words.first == "import" else { return nil }
        words = words.dropFirst()
        if let kind = words.first, ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"].contains(kind) {
            words = words.dropFirst()
        }
        guard let path = words.first else { return nil }
        return String(path.split(separator: ".").first ?? path)
    }
}
