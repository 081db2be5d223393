import CoreTestKit
import Testing

@Test("CoreResilience imports no other Core module") func dependencyRule() throws {
    #expect(try ModuleDependencyRule.violations(in: "CoreResilience") == [])
}
