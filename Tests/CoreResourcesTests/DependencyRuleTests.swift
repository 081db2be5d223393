import CoreTestKit
import Testing

@Test("CoreResources imports no other Core module") func dependencyRule() throws {
    let violations = try ModuleDependencyRule.violations(in: "CoreResources")
    #expect(violations.isEmpty, "modules meet only through CoreProtocols: \(violations)")
}
