import CoreProtocols
import CoreTestKit
import Foundation
import Messaging
import Testing

/// The message contract against a client nobody here wrote: `interop_peer.py`
/// (beside this file) speaks the spec's field list through kafka-python, which
/// `make setup` installs into `.services/py`. Over the live broker of
/// `make test` (`WHALE_KAFKA_BROKERS`); fails, never skips, when it is absent.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct PythonInteropIntegrationTests {
    let configuration: KafkaConfiguration
    let brokers: String

    init() throws {
        brokers = try TestServices.require(.kafka).value
        configuration = try KafkaConfiguration(brokers: brokers)
    }

    /// Python sends a `DataRequest` built from the spec's field list; Swift
    /// decodes it, answers with a `DataResponse` on the response topic; Python
    /// checks every field of the answer.
    @Test func pythonAsksAndSwiftAnswers() async throws {
        let (requests, responses) = try await makeTopics("py-asks")
        let modelID = "interop-\(UInt32.random(in: 0...UInt32.max))"
        let peer = try PythonPeer.start(
            ["ask", "--brokers", brokers, "--request-topic", requests, "--response-topic", responses, "--model-id", modelID])

        let reader = try KafkaPartitionReader(
            configuration: configuration, topic: requests, partition: 0, offset: KafkaPartitionReader.beginning)
        let received = try await reader.read(count: 1, timeout: .seconds(90))
        await reader.close()
        guard let message = received.first else {
            let result = await peer.finish()
            Issue.record("no request from Python (exit \(result.status)): \(result.stderr)")
            return
        }
        let request = try DataRequest(json: message.value)

        // Every field Python set, as Swift reads it.
        try request.validate()
        #expect(request.payload.modelID == modelID)
        #expect(request.payload.responseTopic == responses)
        #expect(request.payload.operation == .fetchData)
        #expect(request.payload.dataType == .text)
        #expect(request.payload.dataSource == .wiki)
        #expect(request.payload.parameters["query"] == "نهنگ")
        #expect(request.payload.parameters["limit"] == 5)
        #expect(request.payload.batchID == "batch-py-1")
        #expect(request.payload.requireFresh)
        #expect(request.payload.tags == ["interop", "python"])
        #expect(request.payload.unknownFields["x_newer_peer_field"] == "kept")
        #expect(request.metadata.priority == .high)
        #expect(request.metadata.requestSource == .model)
        #expect(request.metadata.traceID == "trace-py-1")
        #expect(request.metadata.ttl == 300)
        #expect(request.metadata.expiresAt != nil)
        #expect(!request.isExpired(now: SystemClock().now))

        var response = DataResponse.create(
            replyingTo: request, data: ["echo": .object(request.payload.parameters)], metrics: ["items": 1])
        response.payload.processingTime = 0.01
        let producer = try KafkaProducer(configuration: configuration)
        _ = try await producer.send(OutboundMessage(topic: responses, value: response.toJSONBytes()))
        await producer.close()

        let result = await peer.finish()
        #expect(result.status == 0, "Python's checks: \(result.stderr)")
        await deleteTopics([requests, responses])
    }

    /// Swift sends a `DataRequest`; Python checks every field and answers with
    /// a `DataResponse` built from the spec's field list; Swift reads it.
    @Test func swiftAsksAndPythonAnswers() async throws {
        let (requests, responses) = try await makeTopics("swift-asks")
        let request = DataRequest.create(
            modelID: "interop-swift", dataType: .text, dataSource: .news,
            parameters: ["query": "باران", "page": 2], priority: .critical, responseTopic: responses,
            operation: .searchData, requestSource: .system, ttl: 120)
        try request.validate()
        let peer = try PythonPeer.start(["answer", "--brokers", brokers, "--request-topic", requests])
        let producer = try KafkaProducer(configuration: configuration)
        _ = try await producer.send(OutboundMessage(topic: requests, value: request.toJSONBytes()))
        await producer.close()

        let result = await peer.finish()
        #expect(result.status == 0, "Python's checks: \(result.stderr)")
        let reader = try KafkaPartitionReader(
            configuration: configuration, topic: responses, partition: 0, offset: KafkaPartitionReader.beginning)
        let received = try await reader.read(count: 1, timeout: .seconds(60))
        await reader.close()
        let message = try #require(received.first, "no response from Python")
        let response = try DataResponse(json: message.value)

        try response.validate()
        #expect(response.metadata.correlationID == request.metadata.requestID)
        #expect(response.metadata.destination == "interop-swift")
        #expect(response.metadata.priority == .critical)
        #expect(response.payload.status == .success)
        #expect(response.payload.operation == .searchData)
        #expect(response.payload.dataSource == .news)
        #expect(response.payload.data == ["echo": .object(request.payload.parameters)])
        #expect(response.payload.metrics["items"] == 1)
        #expect(response.payload.totalItems == 1)
        #expect(response.payload.processingTime == 0.25)
        #expect(response.payload.cached == false)
        #expect(response.payload.metadata["answered_by"] == "kafka-python")
        #expect(response.payload.additionalInfo["x_newer_peer_field"] == "kept")
        #expect(response.payload.lastUpdated != nil)
        // Python's own timestamp text comes back as it was written.
        let decodedAgain = try DataResponse(json: response.toJSON())
        #expect(decodedAgain.metadata.timestamp.text == response.metadata.timestamp.text)
        await deleteTopics([requests, responses])
    }

    /// Two one-partition topics, so each side reads partition 0.
    private func makeTopics(_ name: String) async throws -> (requests: String, responses: String) {
        let suffix = UInt32.random(in: 0...UInt32.max)
        let names = ("whale.test.interop.\(name).requests.\(suffix)", "whale.test.interop.\(name).responses.\(suffix)")
        let admin = try KafkaAdmin(configuration: configuration)
        for topic in [names.0, names.1] {
            _ = try await admin.createTopic(topic, partitions: 1, replicationFactor: 1)
        }
        await admin.close()
        return names
    }

    private func deleteTopics(_ topics: [String]) async {
        guard let admin = try? KafkaAdmin(configuration: configuration) else { return }
        for topic in topics { _ = try? await admin.deleteTopic(topic) }
        await admin.close()
    }
}

/// `interop_peer.py` running under the repository's `.services/py`.
private struct PythonPeer {
    let process: Process
    let stdout: Pipe
    let stderr: Pipe
    let exit: AsyncStream<Int32>

    static func start(_ arguments: [String]) throws -> PythonPeer {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let root = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sitePackages = root.appendingPathComponent(".services/py")
        guard FileManager.default.fileExists(atPath: sitePackages.appendingPathComponent("kafka").path) else {
            throw WhaleError(.unavailable, "kafka-python is not in \(sitePackages.path); run `make setup`")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", here.appendingPathComponent("interop_peer.py").path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = sitePackages.path
        process.environment = environment
        let (stdout, stderr) = (Pipe(), Pipe())
        process.standardOutput = stdout
        process.standardError = stderr
        let (exit, continuation) = AsyncStream.makeStream(of: Int32.self)
        process.terminationHandler = { finished in
            continuation.yield(finished.terminationStatus)
            continuation.finish()
        }
        try process.run()
        return PythonPeer(process: process, stdout: stdout, stderr: stderr, exit: exit)
    }

    /// Waits for the peer to exit; its status and what it wrote to stderr.
    func finish() async -> (status: Int32, stderr: String) {
        var status: Int32 = -1
        for await code in exit { status = code }
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (status, errors)
    }
}
