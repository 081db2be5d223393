import CoreTestKit
import Testing

@Test("Messaging imports no other Core module") func dependencyRule() throws {
    let violations = try ModuleDependencyRule.violations(in: "Messaging")
    #expect(violations.isEmpty, "modules meet only through CoreProtocols: \(violations)")
}
