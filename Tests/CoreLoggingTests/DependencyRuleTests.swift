import CoreTestKit
import Testing

@Test("CoreLogging imports no other Core module") func dependencyRule() throws {
    let violations = try ModuleDependencyRule.violations(in: "CoreLogging")
    #expect(violations.isEmpty, "modules meet only through CoreProtocols: \(violations)")
}
