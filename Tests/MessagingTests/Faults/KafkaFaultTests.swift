import CoreProtocols
import Logging
import Messaging
import Synchronization
import Testing

/// The Kafka clients under faults injected through librdkafka's mock cluster
/// (issue 5): brokers going down during a send burst, produce and commit
/// requests that fail, and partition leaders that move during consumption.
///
/// Each test starts its own in-process ``KafkaMockCluster``; no external
/// broker is needed. The outages are shaped by time (a broker stays down for
/// a while), but every claim waits for an event, never for a fixed time.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct KafkaFaultTests {
    // MARK: Broker down during a send burst

    /// One send of the burst: when it started and ended, and its outcome.
    private struct Send: Sendable {
        let id: Int
        let started: ContinuousClock.Instant
        let finished: ContinuousClock.Instant
        let result: Result<KafkaDeliveryReport, WhaleError>
    }

    @Test func everyAcknowledgedSendArrivesExactlyOnceWhenTheLeadersGoDownDuringABurst() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: FaultTestSupport.logger)
        defer { cluster.close() }
        let topic = FaultTestSupport.uniqueName("outage")
        try cluster.createTopic(topic, partitions: 2, replicationFactor: 3)
        let leaders: [Int32] = [1, 2]
        for (partition, broker) in leaders.enumerated() {
            try cluster.setPartitionLeader(topic: topic, partition: Int32(partition), broker: broker)
            // Answers lag, so produce requests are in flight when the leader goes down.
            try cluster.setRoundTripTime(.milliseconds(20), broker: broker)
        }
        let producer = try KafkaProducer(
            configuration: FaultTestSupport.configuration(cluster),
            logger: FaultTestSupport.logger
        )

        let total = 2_000
        let waves = 20
        let perWave = total / waves
        // Waves 3..<13 are sent while both leaders are down.
        let outageWaves = 3..<13
        let acknowledged = EventCounter()
        let started = EventCounter()
        let clock = ContinuousClock()
        let (sends, outage) = try await withThrowingTaskGroup(of: Send.self) { group in
            var down: ContinuousClock.Instant?
            var up: ContinuousClock.Instant?
            // The burst: 2,000 concurrent sends in 20 waves, 100 ms apart. The
            // burst itself places the fault, so a loaded machine that runs the
            // sends late cannot move the outage past them.
            for wave in 0..<waves {
                if wave == outageWaves.lowerBound {
                    // Once the first 300 sends were acknowledged, both leaders go down.
                    while acknowledged.count < wave * perWave {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    for broker in leaders { try cluster.setBrokerDown(broker) }
                    down = clock.now
                }
                if wave == outageWaves.upperBound, let outageStart = down {
                    // They come back once every send of the outage waves has
                    // started and at least 1.5 s passed.
                    while started.count < wave * perWave {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    try await clock.sleep(until: outageStart.advanced(by: .milliseconds(1_500)))
                    up = clock.now
                    for broker in leaders { try cluster.setBrokerUp(broker) }
                }
                for id in (wave * perWave)..<((wave + 1) * perWave) {
                    group.addTask {
                        let begin = clock.now
                        started.increment()
                        let result: Result<KafkaDeliveryReport, WhaleError>
                        do {
                            result = .success(try await producer.send(FaultTestSupport.message(id, topic: topic)))
                            acknowledged.increment()
                        } catch let error as WhaleError {
                            result = .failure(error)
                        }
                        return Send(id: id, started: begin, finished: clock.now, result: result)
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            var sends: [Send] = []
            for try await send in group { sends.append(send) }
            return (sends, down.flatMap { down in up.map { (down: down, up: $0) } })
        }
        await producer.close()

        let (down, up) = try #require(outage)
        #expect(sends.count == total)

        // With a 30 s message timeout every send outlasts the 1.5 s outage.
        var reports: [Int: KafkaDeliveryReport] = [:]
        var failures: [Int: WhaleError] = [:]
        for send in sends {
            switch send.result {
            case .success(let report): reports[send.id] = report
            case .failure(let error): failures[send.id] = error
            }
        }
        #expect(failures.isEmpty, "\(failures.count) send(s) failed, e.g. \(String(describing: failures.first))")

        // The outage was real: sends began while both leaders were down, and
        // none of those was acknowledged before they came back up.
        let duringOutage = sends.filter { $0.started > down && $0.started < up }
        #expect(duringOutage.count == outageWaves.count * perWave)
        #expect(duringOutage.allSatisfy { $0.finished > up })

        // Read the topic back and compare both ways with the acknowledgements.
        var perPartition: [Int32: Int] = [:]
        for report in reports.values { perPartition[report.partition, default: 0] += 1 }
        #expect(perPartition.keys.sorted() == [0, 1], "the keys spread the burst over both partitions")
        let stored = try await FaultTestSupport.readBack(
            cluster,
            topic: topic,
            partitions: 2,
            expected: perPartition
        )
        let storedIDs = stored.compactMap(FaultTestSupport.id(of:))
        #expect(storedIDs.count == stored.count, "only the burst's messages are in the topic")
        // Nothing lost, nothing stored that was not acknowledged.
        #expect(Set(storedIDs) == Set(reports.keys))
        // Each acknowledged message is where its delivery report said.
        var positions: [Int: [(partition: Int32, offset: Int64)]] = [:]
        for message in stored {
            guard let id = FaultTestSupport.id(of: message) else { continue }
            positions[id, default: []].append((message.partition, message.offset))
        }
        for (id, report) in reports {
            let found = positions[id] ?? []
            #expect(
                found.contains { $0.partition == report.partition && $0.offset == report.offset },
                "message \(id) was acknowledged at [\(report.partition)]@\(report.offset) but is stored at \(found)"
            )
        }
        // No gap in either partition.
        for partition in perPartition.keys {
            let offsets = stored.filter { $0.partition == partition }.map(\.offset)
            #expect(offsets == (0..<Int64(offsets.count)).map { $0 })
        }
        // Exactly once. librdkafka does not guarantee it when a broker goes
        // away with produce requests in flight: in about 1 of 6 runs one
        // batch (the messages of one wave for one partition) was stored
        // twice, also with max.in.flight.requests.per.connection=1 — its
        // idempotent producer re-sends a batch whose first copy the broker
        // had written before the connection dropped, under a state the broker
        // cannot deduplicate (librdkafka #4953, open). Recorded as a known,
        // intermittent issue rather than hidden.
        let duplicated = duplicates(storedIDs)
        withKnownIssue("librdkafka #4953: an idempotent re-send after a broker loss can be stored twice", isIntermittent: true) {
            #expect(duplicated.isEmpty, "duplicated ids: \(duplicated.prefix(10)) (\(duplicated.count) in all)")
        }
    }

    // MARK: Errors injected on Produce

    @Test func retriableProduceErrorsAreRetriedIntoExactlyOneStoredCopy() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: FaultTestSupport.logger)
        defer { cluster.close() }
        let topic = FaultTestSupport.uniqueName("produce-retriable")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 3)
        let producer = try KafkaProducer(
            configuration: FaultTestSupport.configuration(cluster),
            logger: FaultTestSupport.logger
        )
        // The cluster's first produce requests fail; the stack empties one
        // request at a time, so a later non-retriable error (below) is the
        // very next answer only if these were all used up by the retries.
        let injected: [KafkaMockCluster.ErrorCode] = [
            .notLeaderForPartition, .requestTimedOut, .notEnoughReplicas, .leaderNotAvailable,
            .requestTimedOut, .notEnoughReplicasAfterAppend,
        ]
        try cluster.pushRequestErrors(apiKey: .produce, errors: injected)

        let count = 50
        let reports = try await withThrowingTaskGroup(of: (Int, KafkaDeliveryReport).self) { group in
            for id in 0..<count {
                group.addTask { (id, try await producer.send(FaultTestSupport.message(id, topic: topic))) }
            }
            var reports: [Int: KafkaDeliveryReport] = [:]
            for try await (id, report) in group { reports[id] = report }
            return reports
        }
        #expect(reports.count == count)

        // The next produce request is refused for good: that send fails with a
        // typed error, and only it.
        try cluster.pushRequestErrors(apiKey: .produce, errors: [.messageSizeTooLarge])
        let refusedID = count
        let refusal = await #expect(throws: WhaleError.self) {
            try await producer.send(FaultTestSupport.message(refusedID, topic: topic))
        }
        #expect(refusal?.code == .invalidInput)
        #expect(refusal?.isRetriable == false)
        let lastID = count + 1
        let last = try await producer.send(FaultTestSupport.message(lastID, topic: topic))
        await producer.close()

        let stored = try await FaultTestSupport.readBack(cluster, topic: topic, partitions: 1, expected: [0: count + 1])
        let storedIDs = stored.compactMap(FaultTestSupport.id(of:))
        // Each acknowledged message once, in offset order of its report; the
        // refused one not at all.
        #expect(storedIDs.count == count + 1)
        #expect(Set(storedIDs) == Set(0..<count).union([lastID]))
        #expect(!storedIDs.contains(refusedID))
        #expect(stored.map(\.offset) == (0...Int64(count)).map { $0 })
        for message in stored {
            guard let id = FaultTestSupport.id(of: message) else { continue }
            let report = id == lastID ? last : reports[id]
            #expect(report?.offset == message.offset, "message \(id) is at offset \(message.offset)")
        }
    }

    /// A produce error the producer must not retry, the typed error
    /// ``KafkaProducer/send(_:)`` throws for it, and whether librdkafka may
    /// then hold the whole topic as failed for a moment (an authorization
    /// error, until its next metadata) or only that message.
    struct PermanentProduceError: Sendable, CustomTestStringConvertible {
        let injected: KafkaMockCluster.ErrorCode
        let expected: WhaleError.Code
        let failsTheTopic: Bool
        var testDescription: String { "\(injected) → \(expected)" }
    }

    @Test(arguments: [
        PermanentProduceError(injected: .topicAuthorizationFailed, expected: .permissionDenied, failsTheTopic: true),
        PermanentProduceError(injected: .messageSizeTooLarge, expected: .invalidInput, failsTheTopic: false),
    ])
    func aPermanentProduceErrorFailsItsSendAtOnceWithATypedError(_ fault: PermanentProduceError) async throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: FaultTestSupport.logger)
        defer { cluster.close() }
        let topic = FaultTestSupport.uniqueName("produce-permanent")
        let otherTopic = FaultTestSupport.uniqueName("produce-permanent-other")
        try cluster.createTopic(topic, partitions: 1)
        try cluster.createTopic(otherTopic, partitions: 1)
        let producer = try KafkaProducer(
            configuration: FaultTestSupport.configuration(cluster),
            logger: FaultTestSupport.logger
        )
        let first = try await producer.send(FaultTestSupport.message(0, topic: topic))
        #expect(first.offset == 0)

        try cluster.pushRequestErrors(apiKey: .produce, errors: [fault.injected])
        let clock = ContinuousClock()
        let started = clock.now
        let error = await #expect(throws: WhaleError.self) {
            try await producer.send(FaultTestSupport.message(1, topic: topic))
        }
        // Answered at once, not after the 30 s message timeout.
        #expect(clock.now - started < .seconds(10))
        #expect(error?.code == fault.expected)
        #expect(error?.isRetriable == false)

        // The producer goes on: at once for other topics; for this one at once
        // too, unless the error was about the topic itself, which librdkafka
        // holds against it until its metadata says otherwise (failing sends
        // with the same typed error meanwhile).
        let other = try await producer.send(FaultTestSupport.message(100, topic: otherTopic))
        #expect(other.offset == 0)
        var id = 1
        var accepted: KafkaDeliveryReport?
        while accepted == nil, clock.now - started < .seconds(15) {
            id += 1
            do {
                accepted = try await producer.send(FaultTestSupport.message(id, topic: topic))
            } catch let error as WhaleError {
                #expect(error.code == fault.expected, "send \(id) failed with \(error)")
                #expect(fault.failsTheTopic, "only a topic-wide error fails the next send (\(error))")
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(accepted?.offset == 1)
        await producer.close()
        let stored = try await FaultTestSupport.readBack(cluster, topic: topic, partitions: 1, expected: [0: 2])
        // Only the acknowledged messages are stored: neither the refused one
        // nor any send that failed while the topic was held as failed.
        #expect(stored.compactMap(FaultTestSupport.id(of:)) == [0, id])
    }

    // MARK: Errors injected on OffsetCommit

    @Test func failedCommitsAreRetriedUntilEveryHandledOffsetIsCommitted() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: FaultTestSupport.logger)
        defer { cluster.close() }
        let topic = FaultTestSupport.uniqueName("commit")
        let group = FaultTestSupport.uniqueName("commit-group")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 3)
        let configuration = FaultTestSupport.configuration(cluster)
        let producer = try KafkaProducer(configuration: configuration, logger: FaultTestSupport.logger)
        let first = 30
        for id in 0..<first { _ = try await producer.send(FaultTestSupport.message(id, topic: topic)) }

        // The group's first four commits fail: errors the next auto-commit
        // recovers from, the last one permanent for its request. (Not
        // NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE: against the mock,
        // librdkafka 2.16 then often keeps failing its retried commits with
        // "Broker transport failure", marking the coordinator dead again each
        // time, until the session times out.)
        try cluster.pushRequestErrors(
            apiKey: .offsetCommit,
            errors: [.requestTimedOut, .coordinatorLoadInProgress, .requestTimedOut, .offsetMetadataTooLarge]
        )

        let options = Self.subscriptionOptions()
        let subscriber = try KafkaSubscriber(configuration: configuration, options: options, logger: FaultTestSupport.logger)
        let received = ReceivedIDs()
        let subscription = try await subscriber.subscribe(topic: topic, group: group, options: options) {
            received.record($0)
        }
        _ = try await FaultTestSupport.eventually("\(first) messages handled") {
            received.distinctCount == first ? true : nil
        }
        // Handled offsets reach the group despite the failures…
        let committed = try await FaultTestSupport.eventually("offset \(first) committed", every: .milliseconds(100)) {
            let offset = try await subscription.committedOffsets()[0]
            return offset == Int64(first) ? offset : nil
        }
        #expect(committed == Int64(first))
        // …and the failures happened: a commit succeeds only once the injected
        // errors are used up, the last of which the subscription saw.
        let failures = try await FaultTestSupport.eventually("the reported commit failure") {
            let statistics = subscription.statistics
            return statistics.commitFailures >= 1 ? statistics : nil
        }
        #expect(failures.commitFailures >= 1)
        #expect(subscription.statistics.handled >= first)
        await subscription.cancel()

        // No message lost: the group's next member starts at the committed
        // offset and gets every message produced meanwhile.
        let more = 10
        for id in first..<(first + more) { _ = try await producer.send(FaultTestSupport.message(id, topic: topic)) }
        await producer.close()
        let next = ReceivedIDs()
        let nextSubscription = try await subscriber.subscribe(topic: topic, group: group, options: options) {
            next.record($0)
        }
        _ = try await FaultTestSupport.eventually("the \(more) new messages handled") {
            Set(next.all).isSuperset(of: first..<(first + more)) ? true : nil
        }
        #expect(Set(next.all).isSubset(of: 0..<(first + more)))
        let recommitted = try await FaultTestSupport.eventually("offset \(first + more) committed") {
            let offset = try await nextSubscription.committedOffsets()[0]
            return offset == Int64(first + more) ? offset : nil
        }
        #expect(recommitted == Int64(first + more))
        await subscriber.shutdown()
    }

    // MARK: Leader change during consumption

    @Test func aSubscriptionReceivesEveryMessageWhenThePartitionLeadersMove() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: FaultTestSupport.logger)
        defer { cluster.close() }
        let topic = FaultTestSupport.uniqueName("leader")
        let group = FaultTestSupport.uniqueName("leader-group")
        try cluster.createTopic(topic, partitions: 2, replicationFactor: 3)
        for partition in Int32(0)..<2 { try cluster.setPartitionLeader(topic: topic, partition: partition, broker: 1) }
        let configuration = FaultTestSupport.configuration(cluster)
        let producer = try KafkaProducer(configuration: configuration, logger: FaultTestSupport.logger)

        let options = Self.subscriptionOptions()
        let subscriber = try KafkaSubscriber(configuration: configuration, options: options, logger: FaultTestSupport.logger)
        let received = ReceivedIDs()
        let subscription = try await subscriber.subscribe(topic: topic, group: group, options: options) {
            received.record($0)
        }
        try await subscription.waitForAssignment(timeout: .seconds(15))

        // A stream of 600 messages in 30 waves; once a third arrived, the
        // partitions' leaders move from broker 1 to brokers 2 and 3.
        let total = 600
        let waves = 30
        let receivedAtMove = try await withThrowingTaskGroup(of: Int?.self) { tasks in
            tasks.addTask {
                _ = try await FaultTestSupport.eventually("\(total / 3) messages before the move") {
                    received.distinctCount >= total / 3 ? true : nil
                }
                let count = received.distinctCount
                try cluster.setPartitionLeader(topic: topic, partition: 0, broker: 2)
                try cluster.setPartitionLeader(topic: topic, partition: 1, broker: 3)
                return count
            }
            for wave in 0..<waves {
                for id in (wave * total / waves)..<((wave + 1) * total / waves) {
                    tasks.addTask {
                        _ = try await producer.send(FaultTestSupport.message(id, topic: topic))
                        return nil
                    }
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            var receivedAtMove: Int?
            for try await count in tasks { receivedAtMove = count ?? receivedAtMove }
            return receivedAtMove
        }
        let movedAt = try #require(receivedAtMove)

        _ = try await FaultTestSupport.eventually("all \(total) messages handled", timeout: .seconds(15)) {
            received.distinctCount == total ? true : nil
        }
        // Every produced message arrived (at least once), nothing else did, and
        // much of it only after the move.
        #expect(Set(received.all) == Set(0..<total))
        #expect(movedAt < total / 2)
        let metadata = try await producer.metadata()
        let partitions = try #require(metadata.topics.first { $0.name == topic }).partitions
        #expect(partitions.sorted { $0.id < $1.id }.map(\.leader) == [2, 3])
        #expect(subscription.failure == nil)
        await producer.close()
        await subscriber.shutdown()
    }

    /// Quick retries, no dead letters (every handler succeeds), commits every
    /// `commitInterval`.
    private static func subscriptionOptions(commitInterval: Duration = .milliseconds(100)) -> KafkaSubscriptionOptions {
        KafkaSubscriptionOptions(
            retryBackoff: .milliseconds(10),
            maxRetryBackoff: .milliseconds(50),
            deadLetterTopic: .disabled,
            sessionTimeout: .seconds(6),
            commitInterval: commitInterval,
            connectTimeout: .seconds(5)
        )
    }
}

/// How many times something happened so far (sends started, acknowledged).
private final class EventCounter: Sendable {
    private let value = Atomic<Int>(0)
    var count: Int { value.load(ordering: .relaxed) }
    func increment() { value.add(1, ordering: .relaxed) }
}

/// The values that occur more than once.
private func duplicates(_ values: [Int]) -> [Int] {
    var seen = Set<Int>()
    return values.filter { !seen.insert($0).inserted }
}
