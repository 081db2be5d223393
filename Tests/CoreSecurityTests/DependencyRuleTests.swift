import CoreTestKit
import Testing

@Test("CoreSecurity imports no other Core module") func dependencyRule() throws {
    let violations = try ModuleDependencyRule.violations(in: "CoreSecurity")
    #expect(violations.isEmpty, "modules meet only through CoreProtocols: \(violations)")
}
