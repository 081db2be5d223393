import CoreCache
import CoreProtocols
import Testing

@Suite struct RedisConfigurationTests {
    @Test func parsesTheFullURLForm() throws {
        let config = try RedisConfiguration(url: "redis://app:p%40ss@127.0.0.1:6390/3")
        #expect(config.endpoint.description == "127.0.0.1:6390")
        #expect(config.username == "app")
        #expect(config.password == "p@ss")
        #expect(config.database == 3)
    }

    @Test func passwordOnlyAndDefaults() throws {
        let config = try RedisConfiguration(url: "redis://:secret@cache")
        #expect(config.username == nil)
        #expect(config.password == "secret")
        #expect(config.endpoint.port == 6379)
        #expect(config.database == 0)
        #expect(config.connectTimeout == .seconds(2))
    }

    @Test(arguments: ["127.0.0.1:6390", "http://127.0.0.1:6390", "redis://host:99999", "redis://host/abc", "redis://:%zz@host"])
    func rejectsMalformedURLs(url: String) {
        #expect {
            try RedisConfiguration(url: url)
        } throws: { error in
            (error as? WhaleError)?.code == .invalidConfiguration
        }
    }
}
