import CoreTestKit
import Testing

@Test("CoreSecurity imports no other Core module") func dependencyRule() throws {
    #expect(try ModuleDependencyRule.violations(in: "CoreSecurity") == [])
}
