import Benchmark
import BenchmarkSupport
import CoreProtocols
import Foundation
import Messaging
import Synchronization

/// Issue 5's figures against the broker at `WHALE_KAFKA_BROKERS` (default
/// `127.0.0.1:19092`, `make services-up`), each beside its baseline in the
/// same run: `kcat` (Debian's, run with the same librdkafka as ours through
/// `LD_LIBRARY_PATH=.services/lib`, which `make bench` exports) producing and
/// consuming the same 200,000 messages of 100 bytes on the same broker.
///
/// Throughput = 200,000 / the wall-clock time of one iteration.
let benchmarks: @Sendable () -> Void = {
    let brokers = ProcessInfo.processInfo.environment["WHALE_KAFKA_BROKERS"] ?? "127.0.0.1:19092"
    let messageCount = 200_000
    let kcat = ProcessInfo.processInfo.environment["KCAT"] ?? "/usr/bin/kcat"
    guard FileManager.default.isExecutableFile(atPath: kcat) else {
        print("MessagingBenchmarks: \(kcat) is missing (apt-get install kcat; make setup installs it)")
        return
    }
    var configuration: KafkaConfiguration
    do {
        configuration = try KafkaConfiguration(brokers: brokers)
    } catch {
        print("MessagingBenchmarks: WHALE_KAFKA_BROKERS='\(brokers)': \(error)")
        return
    }
    // Extra librdkafka properties for experiments: WHALE_BENCH_KAFKA_PROPERTIES="k=v,k=v".
    for pair in (ProcessInfo.processInfo.environment["WHALE_BENCH_KAFKA_PROPERTIES"] ?? "").split(separator: ",") {
        let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
        if parts.count == 2 { configuration.properties[parts[0]] = parts[1] }
    }
    // The same 100-byte values for both sides: kcat reads them one per line.
    let values: [[UInt8]] = (0..<messageCount).map { index in
        let prefix = Array(String(format: "m%09d-", index).utf8)
        return prefix + [UInt8](repeating: UInt8(ascii: "x"), count: 100 - prefix.count)
    }
    let valuesFile = FileManager.default.temporaryDirectory.appendingPathComponent("whale-bench-100b-\(getpid()).txt").path
    var fileBytes: [UInt8] = []
    fileBytes.reserveCapacity(messageCount * 101)
    for value in values { fileBytes += value + [UInt8(ascii: "\n")] }
    FileManager.default.createFile(atPath: valuesFile, contents: Data(fileBytes))

    let bulk = Benchmark.Configuration(
        metrics: [.wallClock, .throughput],
        scalingFactor: .one,
        maxDuration: .seconds(60),
        maxIterations: 5
    )
    let run = Mutex(0)
    @Sendable func freshTopic(_ purpose: String) -> String {
        let number = run.withLock { value -> Int in
            value += 1
            return value
        }
        return "whale.bench.\(purpose).\(getpid()).\(number)"
    }

    // MARK: Produce

    Benchmark("Produce 200k x 100 B: kcat -P (idempotent, acks=all)", configuration: bulk) { benchmark in
        for _ in benchmark.scaledIterations {
            let topic = freshTopic("kcat-p")
            benchmark.startMeasurement()
            try runProcess(kcat, ["-P", "-b", brokers, "-t", topic, "-X", "enable.idempotence=true", "-X", "acks=all", "-l", valuesFile])
            benchmark.stopMeasurement()
        }
    }

    // kcat's fixed cost (process start, connect, metadata), which the row
    // above includes and the Swift row below does not (its producer is warm).
    Benchmark("Produce 1 x 100 B: kcat -P (start-up and connect only)", configuration: bulk) { benchmark in
        let one = valuesFile + ".one"
        FileManager.default.createFile(atPath: one, contents: Data(values[0] + [UInt8(ascii: "\n")]))
        for _ in benchmark.scaledIterations {
            let topic = freshTopic("kcat-1")
            benchmark.startMeasurement()
            try runProcess(kcat, ["-P", "-b", brokers, "-t", topic, "-X", "enable.idempotence=true", "-X", "acks=all", "-l", one])
            benchmark.stopMeasurement()
        }
    }

    Benchmark("Produce 200k x 100 B: KafkaProducer.send(batch:) (idempotent, acks=all)", configuration: bulk) { benchmark in
        let producer = try KafkaProducer(configuration: configuration)
        for _ in benchmark.scaledIterations {
            let topic = freshTopic("swift-p")
            // Warm the connection and the topic's metadata, as kcat's start does.
            _ = try await producer.send(OutboundMessage(topic: topic, value: values[0]))
            let messages = values.map { OutboundMessage(topic: topic, value: $0) }
            benchmark.startMeasurement()
            let results = await producer.send(batch: messages)
            benchmark.stopMeasurement()
            guard results.allSatisfy({ if case .success = $0 { true } else { false } }) else {
                throw WhaleError(.internalError, "a benchmark send failed")
            }
        }
        await producer.close()
    }

    // MARK: Consume

    // One topic holding the 200,000 messages, read by a new group each time.
    let consumeTopic = "whale.bench.consume.\(getpid())"
    let filled = Mutex(false)
    /// Produces the messages to the consume topic, once per run.
    @Sendable func fillConsumeTopic() throws {
        try filled.withLock { filled in
            guard !filled else { return }
            try runProcess(kcat, ["-P", "-b", brokers, "-t", consumeTopic, "-l", valuesFile])
            filled = true
        }
    }

    Benchmark("Consume 200k: kcat -C (no group)", configuration: bulk) { benchmark in
        for _ in benchmark.scaledIterations {
            benchmark.startMeasurement()
            try runProcess(kcat, ["-C", "-b", brokers, "-t", consumeTopic, "-o", "beginning", "-c", String(messageCount), "-q"], discardOutput: true)
            benchmark.stopMeasurement()
        }
    } setup: {
        try fillConsumeTopic()
    }

    Benchmark("Consume 200k in a group: kcat -G (join included)", configuration: bulk) { benchmark in
        for _ in benchmark.scaledIterations {
            let group = freshTopic("kcat-g")
            benchmark.startMeasurement()
            try runProcess(
                kcat,
                ["-b", brokers, "-G", group, "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000", "-c", String(messageCount), "-q", consumeTopic],
                discardOutput: true
            )
            benchmark.stopMeasurement()
        }
    } setup: {
        try fillConsumeTopic()
    }

    Benchmark("Consume 200k in a group: kcat -G (from assignment)", configuration: bulk) { benchmark in
        for _ in benchmark.scaledIterations {
            let group = freshTopic("kcat-ga")
            var assigned = false
            // kcat reports its assignment on stderr ("... rebalanced ...: assigned: ..."):
            // the clock starts there, as it does for KafkaSubscriber's row below.
            try runProcess(
                kcat,
                ["-b", brokers, "-G", group, "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000", "-c", String(messageCount), consumeTopic],
                discardOutput: true,
                onStandardErrorLine: { line in
                    if !assigned && line.contains("assigned:") {
                        assigned = true
                        benchmark.startMeasurement()
                    }
                }
            )
            guard assigned else { throw WhaleError(.internalError, "kcat -G printed no assignment") }
            benchmark.stopMeasurement()
        }
    } setup: {
        try fillConsumeTopic()
    }

    for (name, fromAssignment) in [("Consume 200k in a group: KafkaSubscriber (join included)", false), ("Consume 200k in a group: KafkaSubscriber (from assignment)", true)] {
        Benchmark(name, configuration: bulk) { benchmark in
            var options = KafkaSubscriptionOptions(sessionTimeout: .seconds(6))
            options.bufferCapacity = 10_000

            let subscriber = try KafkaSubscriber(configuration: configuration, options: options)
            for _ in benchmark.scaledIterations {
                let counter = CountDown(messageCount)
                if !fromAssignment { benchmark.startMeasurement() }
                let subscription = try await subscriber.subscribe(topic: consumeTopic, group: freshTopic("swift-g"), options: options) { _ in
                    counter.tick()
                }
                if fromAssignment {
                    try await subscription.waitForAssignment()
                    benchmark.startMeasurement()
                }
                await counter.wait()
                benchmark.stopMeasurement()
                if let first = counter.firstTick {
                    print("  [\(name)] pauses \(subscription.statistics.pauses); first message \(counter.created.duration(to: first)) after the subscription's start; last \(first.duration(to: counter.lastTick ?? first)) after the first")
                }

                await subscription.cancel()
            }
            await subscriber.shutdown()
        } setup: {
            try fillConsumeTopic()
        }
    }

    // MARK: Request round trip

    Benchmark(
        "Request round trip through the broker",
        configuration: Benchmark.Configuration(
            metrics: [.wallClock],
            scalingFactor: .one,
            maxDuration: .seconds(10),
            maxIterations: 2_000
        )
    ) { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            let request = DataRequest.create(modelID: fixture.modelID, parameters: ["query": "whales"])
            blackHole(try await fixture.service.request(request, on: fixture.topic, timeout: .seconds(10)))
        }
    } setup: {
        // The benchmark process ends after the run; the service goes with it.
        try await RequestFixture(configuration: configuration)
    }
}

/// A request server in the same process, joined before measuring.
struct RequestFixture: Sendable {
    let service: KafkaService
    let topic: String
    let modelID: String

    init(configuration: KafkaConfiguration) async throws {
        service = try KafkaService(configuration: configuration, subscriptionOptions: KafkaSubscriptionOptions(sessionTimeout: .seconds(6)))
        topic = "whale.bench.requests.\(getpid())"
        modelID = "bench-\(getpid())"
        try await service.createTopic(topic, partitions: 1, replicationFactor: 1)
        let subscription = try await service.serveRequests(topic: topic, group: topic + ".servers") { request in
            DataResponse.create(replyingTo: request, data: ["answer": 42])
        }
        try await subscription.waitForAssignment()
        // One round trip to start the response listener before measuring.
        _ = try await service.request(DataRequest.create(modelID: modelID), on: topic, timeout: .seconds(30))
    }
}

/// Runs a program to completion; throws when it fails. With
/// `onStandardErrorLine`, each line the program writes to stderr is passed to
/// it as it arrives.
func runProcess(
    _ path: String,
    _ arguments: [String],
    discardOutput: Bool = false,
    onStandardErrorLine: ((Substring) -> Void)? = nil
) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if discardOutput { process.standardOutput = FileHandle.nullDevice }
    let errors = onStandardErrorLine.map { _ in Pipe() }
    if let errors { process.standardError = errors }
    try process.run()
    if let errors, let onStandardErrorLine {
        var pending = ""
        while true {
            let chunk = errors.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            pending += String(decoding: chunk, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                onStandardErrorLine(pending[..<newline])
                pending = String(pending[pending.index(after: newline)...])
            }
        }
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw WhaleError(.internalError, "\(path) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
}
