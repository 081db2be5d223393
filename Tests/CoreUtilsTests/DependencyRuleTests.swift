import CoreTestKit
import Testing

@Test("CoreUtils imports no other Core module") func dependencyRule() throws {
    #expect(try ModuleDependencyRule.violations(in: "CoreUtils") == [])
}
