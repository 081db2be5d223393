import CoreTestKit
import Testing

@Test("CoreCache imports no other Core module") func dependencyRule() throws {
    let violations = try ModuleDependencyRule.violations(in: "CoreCache")
    #expect(violations.isEmpty, "modules meet only through CoreProtocols: \(violations)")
}
