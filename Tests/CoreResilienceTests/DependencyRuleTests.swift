import CoreTestKit
import Testing

@Test("CoreResilience imports no other Core module") func dependencyRule() throws {
    let violations = try ModuleDependencyRule.violations(in: "CoreResilience")
    #expect(violations.isEmpty, "modules meet only through CoreProtocols: \(violations)")
}
