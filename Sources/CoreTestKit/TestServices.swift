public import CoreProtocols

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the live services an integration test needs, from the environment
/// that `make test` exports.
///
/// Integration suites never skip silently: ``require(_:environment:connectTimeout:)`` throws when the
/// variable is missing, and when it is set but nothing answers at the address.
///
/// ```swift
/// @Test func ping() async throws {
///     let redis = try TestServices.require(.redis)   // WHALE_REDIS_URL
///     …
/// }
/// ```
public enum TestServices {
    /// One kind of service and the environment variable that locates it.
    public struct Service: Hashable, Sendable, CustomStringConvertible {
        /// Human-readable name, e.g. `"Redis"`.
        public var name: String
        /// The environment variable holding its address.
        public var variable: String
        /// How the variable's value is read.
        var format: Format

        enum Format: Hashable, Sendable {
            case url(schemes: Set<String>, defaultPort: Int)
            case list(defaultPort: Int)
        }

        /// Redis at `WHALE_REDIS_URL` (`redis://host:port[/db]`).
        public static let redis = Service(
            name: "Redis",
            variable: "WHALE_REDIS_URL",
            format: .url(schemes: ["redis"], defaultPort: 6379)
        )
        /// The Kafka-protocol broker(s) at `WHALE_KAFKA_BROKERS` (`host:port,…`).
        public static let kafka = Service(name: "Kafka", variable: "WHALE_KAFKA_BROKERS", format: .list(defaultPort: 9092))

        public var description: String { "\(name) (\(variable))" }
    }

    /// A located, answering service.
    public struct Located: Sendable {
        /// The variable's raw value (the URL or broker list as given).
        public var value: String
        /// The addresses parsed from it; at least one answered a TCP connect.
        public var endpoints: [ServiceEndpoint]

        public init(value: String, endpoints: [ServiceEndpoint]) {
            self.value = value
            self.endpoints = endpoints
        }
    }

    /// Returns the service's address when its variable is set and it answers.
    /// - Throws: ``CoreProtocols/WhaleError`` `.invalidConfiguration` when the variable is
    ///   missing or malformed, `.unavailable` when nothing answers there.
    public static func require(
        _ service: Service,
        environment: [String: String] = currentEnvironment(),
        connectTimeout: Duration = .seconds(2)
    ) throws -> Located {
        guard let value = environment[service.variable], !value.isEmpty else {
            throw WhaleError(
                .invalidConfiguration,
                "\(service.variable) is not set: this integration test needs a live \(service.name); run it through `make test`, which starts one"
            )
        }
        let endpoints: [ServiceEndpoint]
        do {
            switch service.format {
            case .url(let schemes, let defaultPort):
                endpoints = [try ServiceEndpoint(url: value, schemes: schemes, defaultPort: defaultPort)]
            case .list(let defaultPort):
                endpoints = try ServiceEndpoint.list(parsing: value, defaultPort: defaultPort)
            }
        } catch {
            throw WhaleError(.invalidConfiguration, "\(service.variable)='\(value)' is malformed", underlying: error)
        }
        var lastFailure = ""
        for endpoint in endpoints {
            switch TCPProbe.probe(endpoint, timeout: connectTimeout) {
            case .success:
                return Located(value: value, endpoints: endpoints)
            case .failure(let reason):
                lastFailure = reason
            }
        }
        throw WhaleError(
            .unavailable,
            "\(service.name) at \(service.variable)='\(value)' does not answer (\(lastFailure)); is it running? `make services-up` starts it"
        )
    }

    /// The process environment, read through `environ`.
    public static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }
}
