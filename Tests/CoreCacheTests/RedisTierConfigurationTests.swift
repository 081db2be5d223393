import CoreProtocols
import Testing

@testable import CoreCache

@Suite struct RedisTierConfigurationTests {
    @Test(arguments: ["whale", "svc.geo_v2-eu", "A", "0"])
    func acceptsNamespacesOfTheAllowedCharacters(namespace: String) throws {
        try RedisTierConfiguration(namespace: namespace).validate()
    }

    @Test(arguments: ["", "with space", "colon:inside", "star*", "brace{x}", "ü", "new\nline"])
    func rejectsOtherNamespaces(namespace: String) {
        #expect {
            try RedisTierConfiguration(namespace: namespace).validate()
        } throws: { error in
            (error as? WhaleError)?.code == .invalidConfiguration
        }
    }

    @Test func rejectsNonPositiveLimits() {
        let invalid = [
            RedisTierConfiguration(defaultTTL: .zero),
            RedisTierConfiguration(maxValueBytes: 0),
            RedisTierConfiguration(keyRules: CacheKeyRules(maxKeyBytes: 0)),
            RedisTierConfiguration(scanCount: 0),
            RedisTierConfiguration(unlinkBatchSize: -1),
        ]
        for configuration in invalid {
            #expect(throws: WhaleError.self) { try configuration.validate() }
        }
    }

    @Test func theDefaultsAreDocumented() {
        let configuration = RedisTierConfiguration()
        #expect(configuration.namespace == "whale")
        #expect(configuration.defaultTTL == .seconds(300))
        #expect(configuration.maxValueBytes == 524_288)
        #expect(configuration.keyRules == .default)
    }

    @Test(arguments: [
        (Duration.milliseconds(1_500), "1500"),
        (.microseconds(1), "1"),
        (.microseconds(1_001), "2"),
        (.nanoseconds(1), "1"),
        (.seconds(90), "90000"),
        (.seconds(Int64.max), "70368744177664"),
    ])
    func ttlsAreWholeMillisecondsRoundedUp(ttl: Duration, expected: String) {
        #expect(RedisCacheTier.milliseconds(ttl) == Array(expected.utf8))
    }
}
