import CoreTestKit
import Testing

@Test("CoreResources imports no other Core module") func dependencyRule() throws {
    #expect(try ModuleDependencyRule.violations(in: "CoreResources") == [])
}
