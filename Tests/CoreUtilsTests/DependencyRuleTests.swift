import CoreTestKit
import Testing

@Test("CoreUtils imports no other Core module") func dependencyRule() throws {
    let violations = try ModuleDependencyRule.violations(in: "CoreUtils")
    #expect(violations.isEmpty, "modules meet only through CoreProtocols: \(violations)")
}
