import CoreProtocols
import CoreTestKit
import Testing

@Suite struct TestServicesTests {
    @Test func aMissingVariableIsAClearError() {
        #expect {
            try TestServices.require(.redis, environment: [:])
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .invalidConfiguration && error?.message.contains("WHALE_REDIS_URL is not set") == true
        }
    }

    @Test func aMalformedVariableIsAClearError() {
        #expect {
            try TestServices.require(.kafka, environment: ["WHALE_KAFKA_BROKERS": "host:notaport"])
        } throws: { error in
            (error as? WhaleError)?.message.contains("WHALE_KAFKA_BROKERS='host:notaport' is malformed") == true
        }
    }

    @Test func aServiceThatDoesNotAnswerIsAClearError() {
        #expect {
            try TestServices.require(.redis, environment: ["WHALE_REDIS_URL": "redis://127.0.0.1:1"])
        } throws: { error in
            let error = error as? WhaleError
            return error?.code == .unavailable && error?.message.contains("does not answer") == true
        }
    }
}
