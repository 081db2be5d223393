import CoreTestKit
import Testing

@Test("CoreMonitoring imports no other Core module") func dependencyRule() throws {
    let violations = try ModuleDependencyRule.violations(in: "CoreMonitoring")
    #expect(violations.isEmpty, "modules meet only through CoreProtocols: \(violations)")
}
