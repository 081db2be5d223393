import CoreTestKit
import Foundation
import Testing

@Suite struct ModuleDependencyRuleTests {
    @Test func findsAForbiddenImport() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rule-\(UInt64.random(in: 0...UInt64.max))")
        let folder = root.appendingPathComponent("Sources/CoreCache")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let source = """
            import CoreProtocols
            @testable import Messaging
            public import struct CoreSecurity.SecureRandom
            // import CoreUtils is only a comment
            """
        try source.write(to: folder.appendingPathComponent("Tier.swift"), atomically: true, encoding: .utf8)
        let found = try ModuleDependencyRule.violations(in: "CoreCache", packageRoot: root)
        #expect(found.map(\.imported) == ["Messaging", "CoreSecurity"])
        #expect(found.map(\.line) == [2, 3])
    }

    @Test func aMissingModuleFolderIsAnErrorNotAPass() {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-root-\(UInt64.random(in: 0...UInt64.max))")
        #expect(throws: (any Error).self) { try ModuleDependencyRule.violations(in: "CoreCache", packageRoot: root) }
    }
}
