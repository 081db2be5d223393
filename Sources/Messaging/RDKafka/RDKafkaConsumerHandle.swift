internal import CWhaleKafka
import CoreProtocols
import Logging

/// One partition of one topic.
struct RDKafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    var topic: String
    var partition: Int32

    var description: String { "\(topic)[\(partition)]" }
}

/// A rebalance as librdkafka reported it to the rebalance callback.
struct RDKafkaRebalance: Sendable {
    enum Kind: Sendable {
        /// The partitions were added to the assignment (already applied).
        case assigned
        /// The partitions are about to leave the assignment (applied after the
        /// handler returns).
        case revoked
    }

    var kind: Kind
    var partitions: [RDKafkaTopicPartition]
    /// `true` for the COOPERATIVE protocol (incremental), `false` for EAGER.
    var isCooperative: Bool
    /// The partitions were lost (session timeout, fencing): committing their
    /// offsets would fail, another member may own them already.
    var isLost: Bool
}

/// Owns one high-level consumer (`rd_kafka_new(RD_KAFKA_CONSUMER)`), its
/// callbacks, and destroys it in `deinit`.
///
/// Not `Sendable` on purpose: it lives on the thread that polls it, which makes
/// every call (poll, pause, store, commit, close); the rebalance, statistics and
/// commit callbacks run on that thread, inside ``poll(timeout:limit:onRebalance:_:)``
/// and ``close(onRebalance:)``. Only the log callback runs on librdkafka's own
/// threads.
final class RDKafkaConsumerHandle {
    private let handle: OpaquePointer
    private let context: Unmanaged<RDKafkaConsumerContext>
    private let logger: Logger
    /// The topic of ``subscribe(topic:)``, whose name each message then shares
    /// instead of copying its own.
    private var subscribedTopic: String?
    /// The consumer queue (`rd_kafka_queue_get_consumer`), which
    /// ``poll(timeout:limit:onRebalance:_:)`` takes ready messages from in one call.
    private let queue: OpaquePointer?
    /// Room for the messages of one batch.
    private let batch: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    /// The most messages one batch takes.
    static let batchCapacity = 512

    /// Creates the consumer and redirects its main queue to the consumer
    /// queue, so ``poll(timeout:limit:onRebalance:_:)`` serves every callback.
    /// - Parameters:
    ///   - onStatistics: receives librdkafka's statistics JSON
    ///     (`statistics.interval.ms` must be set for any to come).
    ///   - onCommitFailure: receives failed offset commits (auto or async).
    /// - Throws: `WhaleError` `.invalidConfiguration` for a rejected property.
    init(
        properties: [(String, String)],
        logger: Logger,
        onStatistics: ((String) -> Void)? = nil,
        onCommitFailure: ((WhaleError) -> Void)? = nil
    ) throws {
        guard let conf = rd_kafka_conf_new() else {
            throw WhaleError(.resourceExhausted, "librdkafka: cannot allocate a configuration")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            if rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw WhaleError(.invalidConfiguration, "librdkafka property \(key)=\(value): \(Self.text(errorText))")
            }
        }
        let context = Unmanaged.passRetained(
            RDKafkaConsumerContext(
                logger: logger,
                resetOffset: Self.resetOffset(properties.last(where: { $0.0 == "auto.offset.reset" })?.1),
                onStatistics: onStatistics,
                onCommitFailure: onCommitFailure
            )
        )
        rd_kafka_conf_set_opaque(conf, context.toOpaque())
        rd_kafka_conf_set_log_cb(conf, consumerLogCallback)
        rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        rd_kafka_conf_set_offset_commit_cb(conf, offsetCommitCallback)
        if onStatistics != nil { rd_kafka_conf_set_stats_cb(conf, statisticsCallback) }
        // On success rd_kafka_new takes ownership of conf; on failure it stays ours.
        guard let handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            context.release()
            throw WhaleError(.invalidConfiguration, "librdkafka: cannot create a consumer: \(Self.text(errorText))")
        }
        rd_kafka_poll_set_consumer(handle)
        self.handle = handle
        self.context = context
        self.logger = logger
        self.queue = rd_kafka_queue_get_consumer(handle)
        self.batch = .allocate(capacity: Self.batchCapacity)
        batch.initialize(repeating: nil, count: Self.batchCapacity)
    }

    deinit {
        if let queue { rd_kafka_queue_destroy(queue) }
        batch.deallocate()
        rd_kafka_destroy(handle)
        context.release()
    }

    /// Asks a broker for the cluster's brokers (blocking up to `timeout`), to
    /// find out early that the cluster cannot be reached.
    /// - Throws: `WhaleError` `.unavailable` or `.timeout`.
    func checkConnection(timeout: Duration) throws {
        var raw: UnsafePointer<rd_kafka_metadata>?
        let status = rd_kafka_metadata(handle, 0, nil, &raw, RDKafkaClient.milliseconds(timeout))
        if let raw { rd_kafka_metadata_destroy(raw) }
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw RDKafkaError.make(status, "reaching the Kafka cluster")
        }
    }

    /// Joins the group for `topic` (asynchronously: the assignment arrives
    /// through the rebalance callback during a later poll).
    func subscribe(topic: String) throws {
        subscribedTopic = topic
        let list = try Self.makeList([RDKafkaTopicPartition(topic: topic, partition: RD_KAFKA_PARTITION_UA)])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let status = rd_kafka_subscribe(handle, list)
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw RDKafkaError.make(status, "subscribing to '\(topic)'")
        }
    }

    /// Waits up to `timeout` for a first message or error, then takes what
    /// else is ready at once, up to `limit` events in all (at most
    /// ``batchCapacity``): messages go to `onMessage` in fetch order (handed
    /// over, not copied), errors to `onError`; serves callbacks meanwhile (a
    /// rebalance calls `onRebalance` on this thread, between messages).
    ///
    /// The rest of the batch comes from `rd_kafka_consume_batch_queue` with
    /// no wait: one lock of librdkafka's queue for all of them, where a poll
    /// per message takes it for each.
    /// - Parameter onError: gets an error and whether it is fatal; returns
    ///   whether to go on taking messages (those after it are dropped).
    /// - Returns: how many events there were.
    @discardableResult
    func poll(
        timeout: Duration,
        limit: Int,
        onRebalance: (RDKafkaRebalance) -> Void,
        onMessage: (consuming InboundMessage) -> Void,
        onError: (WhaleError, _ isFatal: Bool) -> Bool
    ) -> Int {
        withRebalanceHandler(onRebalance) {
            guard let first = rd_kafka_consumer_poll(handle, RDKafkaClient.milliseconds(timeout)) else { return 0 }
            var delivered = 0
            var accepting = true
            func deliver(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) {
                defer { rd_kafka_message_destroy(raw) }
                let status = raw.pointee.err
                if status == RD_KAFKA_RESP_ERR_NO_ERROR {
                    delivered += 1
                    if accepting { onMessage(InboundMessage(rdkafka: raw, knownTopic: subscribedTopic)) }
                } else if status != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    delivered += 1
                    let (error, isFatal) = error(status, detail: rd_kafka_message_errstr(raw).map { String(cString: $0) })
                    accepting = onError(error, isFatal) && accepting
                }
            }
            deliver(first)
            let room = min(limit, Self.batchCapacity) - 1
            guard let queue, room > 0 else { return delivered }
            let count = rd_kafka_consume_batch_queue(queue, 0, batch, room)
            for index in 0..<max(0, count) {
                guard let raw = batch[index] else { continue }
                batch[index] = nil
                deliver(raw)
            }
            return delivered
        }
    }

    /// The partitions currently assigned to this member.
    func assignment() -> [RDKafkaTopicPartition] {
        var raw: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &raw) == RD_KAFKA_RESP_ERR_NO_ERROR, let raw else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(raw) }
        return Self.partitions(in: raw)
    }

    /// Stops fetching `partitions`; librdkafka drops what it prefetched and, on
    /// ``resume(_:)``, fetches again from the last message it returned.
    func pause(_ partitions: [RDKafkaTopicPartition]) {
        guard !partitions.isEmpty, let list = try? Self.makeList(partitions) else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let status = rd_kafka_pause_partitions(handle, list)
        if status != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("pausing \(partitions) failed: \(String(cString: rd_kafka_err2str(status)))")
        }
    }

    /// Resumes fetching `partitions`.
    func resume(_ partitions: [RDKafkaTopicPartition]) {
        guard !partitions.isEmpty, let list = try? Self.makeList(partitions) else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let status = rd_kafka_resume_partitions(handle, list)
        if status != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("resuming \(partitions) failed: \(String(cString: rd_kafka_err2str(status)))")
        }
    }

    /// Stores the offsets to commit next (`rd_kafka_offsets_store`): each is the
    /// offset of the next message to read, one past the last one handled.
    /// Offsets of partitions no longer assigned are refused by librdkafka and
    /// left out silently.
    func store(_ offsets: [(RDKafkaTopicPartition, Int64)]) {
        guard !offsets.isEmpty, let list = try? Self.makeList(offsets.map(\.0)) else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (index, entry) in offsets.enumerated() {
            list.pointee.elems[index].offset = entry.1
        }
        let status = rd_kafka_offsets_store(handle, list)
        if status != RD_KAFKA_RESP_ERR_NO_ERROR && status != RD_KAFKA_RESP_ERR__STATE {
            logger.debug("storing offsets failed: \(String(cString: rd_kafka_err2str(status)))")
        }
    }

    /// Commits the stored offsets of the current assignment. With
    /// `synchronously`, waits for the coordinator's answer.
    /// - Throws: `WhaleError` for a failed synchronous commit; having nothing
    ///   new to commit is not an error.
    func commitStored(synchronously: Bool) throws {
        let status = rd_kafka_commit(handle, nil, synchronously ? 0 : 1)
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR || status == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw RDKafkaError.make(status, "committing offsets")
        }
    }

    /// The group's committed offsets for `partitions` (blocking up to
    /// `timeout`); a partition without a committed offset is left out.
    func committed(_ partitions: [RDKafkaTopicPartition], timeout: Duration) throws -> [RDKafkaTopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let list = try Self.makeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let status = rd_kafka_committed(handle, list, RDKafkaClient.milliseconds(timeout))
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw RDKafkaError.make(status, "reading committed offsets")
        }
        var result: [RDKafkaTopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            guard element.err == RD_KAFKA_RESP_ERR_NO_ERROR, element.offset >= 0, let topic = element.topic else { continue }
            result[RDKafkaTopicPartition(topic: String(cString: topic), partition: element.partition)] = element.offset
        }
        return result
    }

    /// Leaves the group (`rd_kafka_consumer_close`): the final revoke goes
    /// through `onRebalance`, then librdkafka commits what is stored.
    /// - Returns: the error librdkafka reported, if any.
    func close(onRebalance: (RDKafkaRebalance) -> Void) -> WhaleError? {
        withRebalanceHandler(onRebalance) {
            let status = rd_kafka_consumer_close(handle)
            return status == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : RDKafkaError.make(status, "leaving the consumer group")
        }
    }

    // MARK: - Helpers

    private func withRebalanceHandler<Result>(_ handler: (RDKafkaRebalance) -> Void, _ body: () -> Result) -> Result {
        withoutActuallyEscaping(handler) { escapable in
            let context = self.context.takeUnretainedValue()
            context.rebalanceHandler = escapable
            defer { context.rebalanceHandler = nil }
            return body()
        }
    }

    /// A consumer error as a `WhaleError`, and whether it is fatal.
    private func error(_ status: rd_kafka_resp_err_t, detail: String?) -> (WhaleError, isFatal: Bool) {
        if status == RD_KAFKA_RESP_ERR__FATAL {
            var text = [CChar](repeating: 0, count: 512)
            let cause = rd_kafka_fatal_error(handle, &text, text.count)
            let error = RDKafkaError.make(cause, "fatal consumer error: \(Self.text(text))")
            return (WhaleError(error.code, error.message, isRetriable: false), true)
        }
        let base = RDKafkaError.make(status, "consumer error")
        guard let detail, !detail.isEmpty else { return (base, false) }
        return (WhaleError(base.code, "consumer error: \(detail)", isRetriable: base.isRetriable), false)
    }

    static func makeList(_ partitions: [RDKafkaTopicPartition]) throws -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        guard let list = rd_kafka_topic_partition_list_new(Int32(clamping: max(1, partitions.count))) else {
            throw WhaleError(.resourceExhausted, "librdkafka: cannot allocate a partition list")
        }
        for entry in partitions {
            rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition)
        }
        return list
    }

    static func partitions(in list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [RDKafkaTopicPartition] {
        guard let list else { return [] }
        return (0..<Int(list.pointee.cnt)).compactMap { index in
            let element = list.pointee.elems[index]
            guard let topic = element.topic else { return nil }
            return RDKafkaTopicPartition(topic: String(cString: topic), partition: element.partition)
        }
    }

    /// The logical offset that `auto.offset.reset` names (librdkafka's
    /// default is `largest`); `nil` for `error`, which has no position.
    private static func resetOffset(_ value: String?) -> Int64? {
        switch value ?? "largest" {
        case "smallest", "earliest", "beginning": Int64(RD_KAFKA_OFFSET_BEGINNING)
        case "largest", "latest", "end": Int64(RD_KAFKA_OFFSET_END)
        default: nil
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The consumer's opaque: what its callbacks need.
///
/// `logger` and the two reporting closures are set once and read from any
/// thread (the log callback runs on librdkafka's threads);
/// `rebalanceHandler` is only touched by the polling thread, around the call
/// that serves the callback.
private final class RDKafkaConsumerContext {
    let logger: Logger
    /// Where a partition without a committed offset starts (`auto.offset.reset`
    /// as a logical offset); `nil` leaves that to librdkafka.
    let resetOffset: Int64?
    let onStatistics: ((String) -> Void)?
    let onCommitFailure: ((WhaleError) -> Void)?
    var rebalanceHandler: ((RDKafkaRebalance) -> Void)?

    init(logger: Logger, resetOffset: Int64?, onStatistics: ((String) -> Void)?, onCommitFailure: ((WhaleError) -> Void)?) {
        self.logger = logger
        self.resetOffset = resetOffset
        self.onStatistics = onStatistics
        self.onCommitFailure = onCommitFailure
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RDKafkaConsumerContext? {
        opaque.map { Unmanaged<RDKafkaConsumerContext>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// Applies the rebalance (EAGER: `rd_kafka_assign`; COOPERATIVE: incremental)
/// and tells the polling thread: an assignment after it is applied, a
/// revocation before, so its offsets can still be committed.
private let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { client, status, list, opaque in
        guard let client, let context = RDKafkaConsumerContext.from(opaque) else { return }
        let cooperative = rd_kafka_rebalance_protocol(client).map { String(cString: $0) } == "COOPERATIVE"
        let partitions = RDKafkaConsumerHandle.partitions(in: list)
        switch status {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let positioned = list.flatMap { startPositions(client, $0, resetOffset: context.resetOffset) }
            defer { positioned.map { rd_kafka_topic_partition_list_destroy($0) } }
            let list = positioned ?? list
            if cooperative {
                if let error = rd_kafka_incremental_assign(client, list) {
                    context.logger.error("incremental assign failed: \(String(cString: rd_kafka_error_string(error)))")
                    rd_kafka_error_destroy(error)
                }
            } else {
                let result = rd_kafka_assign(client, list)
                if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                    context.logger.error("assign failed: \(String(cString: rd_kafka_err2str(result)))")
                }
            }
            context.rebalanceHandler?(
                RDKafkaRebalance(kind: .assigned, partitions: partitions, isCooperative: cooperative, isLost: false)
            )
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(client) != 0
            context.rebalanceHandler?(
                RDKafkaRebalance(kind: .revoked, partitions: partitions, isCooperative: cooperative, isLost: lost)
            )
            if cooperative {
                if let error = rd_kafka_incremental_unassign(client, list) {
                    context.logger.error("incremental unassign failed: \(String(cString: rd_kafka_error_string(error)))")
                    rd_kafka_error_destroy(error)
                }
            } else {
                rd_kafka_assign(client, nil)
            }
        default:
            // A rebalance error: drop the whole assignment, uncommitted.
            context.logger.error("rebalance error: \(String(cString: rd_kafka_err2str(status)))")
            var raw: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            var current: [RDKafkaTopicPartition] = []
            if rd_kafka_assignment(client, &raw) == RD_KAFKA_RESP_ERR_NO_ERROR, let raw {
                current = RDKafkaConsumerHandle.partitions(in: raw)
                rd_kafka_topic_partition_list_destroy(raw)
            }
            context.rebalanceHandler?(
                RDKafkaRebalance(kind: .revoked, partitions: current, isCooperative: cooperative, isLost: true)
            )
            rd_kafka_assign(client, nil)
        }
    }

/// The partitions of an assignment with the position each starts at: its
/// committed offset (one `OffsetFetch`, blocking up to 10 s), or `resetOffset`
/// where the group has none. `nil` when the offsets cannot be read or there is
/// no reset position; librdkafka then looks them up itself after the assign.
///
/// The same lookup librdkafka makes, done before the assign: librdkafka's own
/// path waits 100 ms (a fixed back-off) before it resolves a partition that has
/// no committed offset, which is every partition of a new group.
private func startPositions(
    _ client: OpaquePointer,
    _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
    resetOffset: Int64?
) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? {
    guard let resetOffset, list.pointee.cnt > 0, let positioned = rd_kafka_topic_partition_list_copy(list) else { return nil }
    guard rd_kafka_committed(client, positioned, 10_000) == RD_KAFKA_RESP_ERR_NO_ERROR else {
        rd_kafka_topic_partition_list_destroy(positioned)
        return nil
    }
    for index in 0..<Int(positioned.pointee.cnt) {
        guard positioned.pointee.elems[index].err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_topic_partition_list_destroy(positioned)
            return nil
        }
        if positioned.pointee.elems[index].offset < 0 {
            positioned.pointee.elems[index].offset = resetOffset
        }
    }
    return positioned
}

/// Reports failed commits; "nothing to commit" is not a failure.
private let offsetCommitCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { _, status, _, opaque in
        guard status != RD_KAFKA_RESP_ERR_NO_ERROR, status != RD_KAFKA_RESP_ERR__NO_OFFSET,
            let context = RDKafkaConsumerContext.from(opaque)
        else { return }
        let error = RDKafkaError.make(status, "committing offsets")
        context.logger.warning("\(error)")
        context.onCommitFailure?(error)
    }

/// Hands librdkafka's statistics JSON over; librdkafka frees it (returns 0).
private let statisticsCallback:
    @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
        _, json, length, opaque in
        guard let json, let context = RDKafkaConsumerContext.from(opaque), let report = context.onStatistics else { return 0 }
        let text = String(
            decoding: UnsafeRawBufferPointer(start: UnsafeRawPointer(json), count: length),
            as: UTF8.self
        )
        report(text)
        return 0
    }

/// Forwards librdkafka's log lines (syslog levels) to swift-log.
private let consumerLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    client, level, facility, text in
    guard let client, let text, let context = RDKafkaConsumerContext.from(rd_kafka_opaque(client)) else { return }
    let swiftLevel: Logger.Level =
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    context.logger.log(
        level: swiftLevel,
        "\(String(cString: text))",
        metadata: ["rdkafka.facility": "\(facility.map { String(cString: $0) } ?? "")"]
    )
}
