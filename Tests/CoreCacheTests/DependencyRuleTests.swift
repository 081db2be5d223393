import CoreTestKit
import Testing

@Test("CoreCache imports no other Core module") func dependencyRule() throws {
    #expect(try ModuleDependencyRule.violations(in: "CoreCache") == [])
}
