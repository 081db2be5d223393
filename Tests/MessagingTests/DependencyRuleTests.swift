import CoreTestKit
import Testing

@Test("Messaging imports no other Core module") func dependencyRule() throws {
    #expect(try ModuleDependencyRule.violations(in: "Messaging") == [])
}
