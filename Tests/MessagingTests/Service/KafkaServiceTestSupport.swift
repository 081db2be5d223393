import CoreProtocols
import Foundation
import Messaging
import Synchronization
import Testing

/// One request server for the whole service suite: a `serveRequests`
/// subscription on a topic of its own, joined once (group joins on the local
/// broker take seconds), whose handler does what each request's
/// `parameters.behaviour` says and records what it handled.
final class ServiceFixture: Sendable {
    let broker: ConsumerTestBroker
    let service: KafkaService
    let requestTopic: String
    let modelID: String
    let subscription: KafkaSubscription
    /// The request ids the handler was called with, in order.
    let handled: HandledLog
    /// Requests with behaviour `"wait"` block until this opens.
    let gate: TestGate

    /// The service's message size limit: small, so a test can send a larger one.
    static let maxMessageBytes = 16_384

    private static let shared = Mutex<Task<ServiceFixture, any Error>?>(nil)

    /// The suite's fixture, created on first use.
    static func get() async throws -> ServiceFixture {
        let task = shared.locked { task in
            if let task { return task }
            let created = Task { try await ServiceFixture() }
            task = created
            return created
        }
        return try await task.value
    }

    private init() async throws {
        broker = try ConsumerTestBroker()
        service = try KafkaService(
            configuration: broker.configuration,
            subscriptionOptions: ConsumerTestBroker.options(),
            maxMessageBytes: Self.maxMessageBytes
        )
        requestTopic = ConsumerTestBroker.uniqueName("requests")
        modelID = "svc-\(UUID().uuidString.prefix(8).lowercased())"
        // One partition: the priority test needs one backlog in offset order.
        try await broker.createTopic(requestTopic, partitions: 1)
        try await broker.createTopic(DeadLetterHeaders.topic(for: requestTopic), partitions: 1)
        let handled = HandledLog()
        let gate = TestGate()
        self.handled = handled
        self.gate = gate
        subscription = try await service.serveRequests(topic: requestTopic, group: requestTopic + ".servers") { request in
            handled.append(request.metadata.requestID)
            switch request.payload.parameters["behaviour"]?.stringValue {
            case "fail": throw WhaleError(.unavailable, "the data source is down")
            case "wait": await gate.wait()
            default: break
            }
            return DataResponse.create(
                replyingTo: request,
                data: .object(["echo": .object(request.payload.parameters), "model": .string(request.payload.modelID)])
            )
        }
        try await subscription.waitForAssignment()
    }

    /// A request to the fixture's model with `behaviour`.
    func makeRequest(_ behaviour: String = "echo", priority: Priority = .medium, extra: [String: JSONValue] = [:]) -> DataRequest {
        var parameters = extra
        parameters["behaviour"] = .string(behaviour)
        return DataRequest.create(modelID: modelID, dataType: .text, dataSource: .web, parameters: parameters, priority: priority)
    }

    /// The dead letters of the request topic, read from the beginning, until
    /// `predicate` holds or `timeout` passed.
    func deadLetters(timeout: Duration = .seconds(20), until predicate: ([InboundMessage]) -> Bool) async throws -> [InboundMessage] {
        let reader = try KafkaPartitionReader(
            configuration: broker.configuration,
            topic: DeadLetterHeaders.topic(for: requestTopic),
            partition: 0,
            offset: KafkaPartitionReader.beginning
        )
        defer { Task { await reader.close() } }
        var letters: [InboundMessage] = []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while !predicate(letters), clock.now < deadline {
            letters += try await reader.read(count: 100, timeout: .milliseconds(200))
        }
        return letters
    }
}

/// The request ids a handler was called with, in order.
final class HandledLog: Sendable {
    private let ids = Mutex<[String]>([])
    func append(_ id: String) { ids.locked { $0.append(id) } }
    var all: [String] { ids.locked { $0 } }
}

/// A gate tasks wait at until it opens (and stays open).
final class TestGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.locked { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.locked { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var waiting: Int { state.locked { $0.waiters.count } }
}

extension InboundMessage {
    /// The text of header `key`, if present.
    func header(_ key: String) -> String? {
        headers.last { $0.key == key }?.value.map { String(decoding: $0, as: UTF8.self) }
    }
}
