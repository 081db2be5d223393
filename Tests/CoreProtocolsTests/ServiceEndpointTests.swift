import CoreProtocols
import Testing

@Suite struct ServiceEndpointTests {
    @Test func parsesHostPortForms() throws {
        #expect(try ServiceEndpoint(parsing: "127.0.0.1:6390").description == "127.0.0.1:6390")
        #expect(try ServiceEndpoint(parsing: " localhost ", defaultPort: 9092) == ServiceEndpoint(host: "localhost", port: 9092))
        let v6 = try ServiceEndpoint(parsing: "[::1]:19092")
        #expect(v6.host == "::1" && v6.port == 19092)
        #expect(v6.description == "[::1]:19092")
    }

    @Test func parsesURLsAndLists() throws {
        let redis = try ServiceEndpoint(url: "redis://:s3cret@10.0.0.5:6390/2", schemes: ["redis"], defaultPort: 6379)
        #expect(redis == (try ServiceEndpoint(host: "10.0.0.5", port: 6390)))
        #expect(try ServiceEndpoint(url: "redis://cache", schemes: ["redis"], defaultPort: 6379).port == 6379)
        let brokers = try ServiceEndpoint.list(parsing: "a:1, b:2,,c", defaultPort: 9092)
        #expect(brokers.map(\.description) == ["a:1", "b:2", "c:9092"])
    }

    @Test(arguments: [
        ("host:99999", "out of range"),
        ("host:0", "out of range"),
        ("host:http", "not a number"),
        (":6379", "empty host"),
        ("::1:80", "needs brackets"),
        ("[::1", "missing ']'"),
        ("host", "no port given"),
    ])
    func rejectsMalformedAddresses(text: String, reason: String) {
        #expect {
            try ServiceEndpoint(parsing: text)
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .invalidConfiguration && error?.message.contains(reason) == true
        }
    }

    @Test func rejectsMalformedURLs() {
        #expect(throws: WhaleError.self) { try ServiceEndpoint(url: "127.0.0.1:6379", schemes: ["redis"], defaultPort: 6379) }
        #expect(throws: WhaleError.self) { try ServiceEndpoint(url: "http://x:1", schemes: ["redis"], defaultPort: 6379) }
        #expect(throws: WhaleError.self) { try ServiceEndpoint(url: "redis://", schemes: ["redis"], defaultPort: 6379) }
        #expect(throws: WhaleError.self) { try ServiceEndpoint.list(parsing: " , ", defaultPort: 9092) }
    }
}
