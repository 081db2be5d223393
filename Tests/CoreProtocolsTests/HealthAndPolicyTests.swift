import CoreProtocols
import Testing

@Suite struct HealthAndPolicyTests {
    @Test func closureHealthCheckReportsItsStatus() async {
        let check = ClosureHealthCheck(name: "disk", kind: .readiness) { .unhealthy("full") }
        #expect(check.kind == .readiness)
        #expect(await check.check() == HealthStatus(isHealthy: false, reason: "full"))
        #expect(HealthStatus.unhealthy(WhaleError(.io, "gone")).reason == "gone")
    }

    @Test func passthroughPolicyRunsOnceAndRethrows() async throws {
        let policy: any ResiliencePolicy = PassthroughPolicy()
        #expect(try await policy.execute { 42 } == 42)
        await #expect(throws: WhaleError.self) {
            try await policy.execute { () async throws -> Int in throw WhaleError(.timeout, "slow") }
        }
    }

    @Test func authorizationDecisionsCarryReasons() {
        #expect(AuthorizationDecision.allow("role admin").isAllowed)
        #expect(!AuthorizationDecision.deny("no cache:write").isAllowed)
    }
}
