import CoreTestKit
import Testing

@Test("CoreMonitoring imports no other Core module") func dependencyRule() throws {
    #expect(try ModuleDependencyRule.violations(in: "CoreMonitoring") == [])
}
