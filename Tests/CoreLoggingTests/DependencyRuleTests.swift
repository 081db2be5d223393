import CoreTestKit
import Testing

@Test("CoreLogging imports no other Core module") func dependencyRule() throws {
    #expect(try ModuleDependencyRule.violations(in: "CoreLogging") == [])
}
