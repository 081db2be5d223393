internal import CWhaleKafka
import CoreProtocols
import Foundation

/// What the cluster's metadata says, as far as topic administration needs it.
struct RDKafkaClusterSnapshot: Sendable {
    /// How many brokers the cluster advertises.
    var brokerCount: Int
    /// The topics (internal ones included), by name.
    var topics: [String: KafkaTopicInfo]
}

/// librdkafka's admin API (CreateTopics, DeleteTopics, CreatePartitions,
/// DescribeConfigs) and full-cluster metadata, as blocking calls.
///
/// Each request gets its own result queue and waits on it with
/// `rd_kafka_queue_poll`, so callers must run these on a thread or queue of
/// their own, never on Swift's cooperative pool.
extension RDKafkaClient {
    /// Reads every topic with its partitions, replicas and ISR (blocking up to
    /// `timeout`). Asks for all topics rather than the one of interest: a
    /// metadata request that names a topic may create it on a broker with
    /// `auto.create.topics.enable`.
    func clusterSnapshot(timeout: Duration) throws -> RDKafkaClusterSnapshot {
        var raw: UnsafePointer<rd_kafka_metadata>?
        let status = rd_kafka_metadata(handle, 1, nil, &raw, Self.milliseconds(timeout))
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR, let raw else {
            throw RDKafkaAdminError.make(status, reason: nil, operation: "reading cluster metadata")
        }
        defer { rd_kafka_metadata_destroy(raw) }
        let metadata = raw.pointee
        var topics: [String: KafkaTopicInfo] = [:]
        for index in 0..<Int(metadata.topic_cnt) {
            let topic = metadata.topics[index]
            guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR, let cName = topic.topic else { continue }
            let name = String(cString: cName)
            let partitions = (0..<Int(topic.partition_cnt)).map { position in
                let partition = topic.partitions[position]
                return KafkaTopicInfo.Partition(
                    id: partition.id,
                    leader: partition.leader,
                    replicas: Self.ids(partition.replicas, count: partition.replica_cnt),
                    inSyncReplicas: Self.ids(partition.isrs, count: partition.isr_cnt)
                )
            }
            topics[name] = KafkaTopicInfo(name: name, partitions: partitions)
        }
        return RDKafkaClusterSnapshot(brokerCount: Int(metadata.broker_cnt), topics: topics)
    }

    /// Polls the metadata until `name` exists (or no longer does), at most
    /// until `timeout` has passed. Returns whether that state was reached.
    func waitForTopic(_ name: String, toExist: Bool, timeout: Duration) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            let remaining = clock.now.duration(to: deadline)
            if let snapshot = try? clusterSnapshot(timeout: max(remaining, .milliseconds(100))),
                (snapshot.topics[name] != nil) == toExist
            {
                return true
            }
            if clock.now.duration(to: deadline) <= .zero { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Sends CreateTopics for one topic and waits for the controller's answer.
    /// - Throws: `WhaleError` whose underlying error is a ``KafkaAdminError``
    ///   (`.alreadyExists` for `TOPIC_ALREADY_EXISTS`).
    func createTopic(
        _ name: String,
        partitions: Int,
        replicationFactor: Int,
        configs: [String: String],
        timeout: Duration
    ) throws {
        let operation = "creating topic '\(name)'"
        var errorText = [CChar](repeating: 0, count: 512)
        guard
            let newTopic = rd_kafka_NewTopic_new(
                name,
                Int32(clamping: partitions),
                Int32(clamping: replicationFactor),
                &errorText,
                errorText.count
            )
        else {
            throw WhaleError(.invalidInput, "\(operation): \(Self.adminText(errorText))")
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        for (key, value) in configs.sorted(by: { $0.key < $1.key }) {
            let status = rd_kafka_NewTopic_set_config(newTopic, key, value)
            guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw RDKafkaAdminError.make(status, reason: "config \(key)=\(value)", operation: operation)
            }
        }
        try adminRequest(
            RD_KAFKA_ADMIN_OP_CREATETOPICS,
            operation: operation,
            timeout: timeout,
            setsOperationTimeout: true
        ) { options, queue in
            var topics: [OpaquePointer?] = [newTopic]
            rd_kafka_CreateTopics(handle, &topics, 1, options, queue)
        } read: { event in
            var count = 0
            let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
            try Self.checkTopicResults(results, count: count, operation: operation)
        }
    }

    /// Sends DeleteTopics for one topic and waits for the controller's answer.
    /// - Throws: `WhaleError` whose underlying error is a ``KafkaAdminError``
    ///   (`.notFound` for `UNKNOWN_TOPIC_OR_PART`).
    func deleteTopic(_ name: String, timeout: Duration) throws {
        let operation = "deleting topic '\(name)'"
        guard let deletion = rd_kafka_DeleteTopic_new(name) else {
            throw WhaleError(.resourceExhausted, "\(operation): librdkafka cannot allocate the request")
        }
        defer { rd_kafka_DeleteTopic_destroy(deletion) }
        try adminRequest(
            RD_KAFKA_ADMIN_OP_DELETETOPICS,
            operation: operation,
            timeout: timeout,
            setsOperationTimeout: true
        ) { options, queue in
            var topics: [OpaquePointer?] = [deletion]
            rd_kafka_DeleteTopics(handle, &topics, 1, options, queue)
        } read: { event in
            var count = 0
            let results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
            try Self.checkTopicResults(results, count: count, operation: operation)
        }
    }

    /// Sends CreatePartitions to grow the topic to `totalCount` partitions.
    func createPartitions(_ name: String, totalCount: Int, timeout: Duration) throws {
        let operation = "growing topic '\(name)' to \(totalCount) partitions"
        var errorText = [CChar](repeating: 0, count: 512)
        guard let growth = rd_kafka_NewPartitions_new(name, totalCount, &errorText, errorText.count) else {
            throw WhaleError(.invalidInput, "\(operation): \(Self.adminText(errorText))")
        }
        defer { rd_kafka_NewPartitions_destroy(growth) }
        try adminRequest(
            RD_KAFKA_ADMIN_OP_CREATEPARTITIONS,
            operation: operation,
            timeout: timeout,
            setsOperationTimeout: true
        ) { options, queue in
            var topics: [OpaquePointer?] = [growth]
            rd_kafka_CreatePartitions(handle, &topics, 1, options, queue)
        } read: { event in
            var count = 0
            let results = rd_kafka_CreatePartitions_result_topics(
                rd_kafka_event_CreatePartitions_result(event),
                &count
            )
            try Self.checkTopicResults(results, count: count, operation: operation)
        }
    }

    /// Sends DescribeConfigs for one topic; returns its entries by name
    /// (sensitive ones, whose value the broker withholds, are left out).
    /// - Parameter includeDefaults: whether entries the broker reports as
    ///   defaults are included.
    func describeTopicConfig(_ name: String, includeDefaults: Bool, timeout: Duration) throws -> [String: String] {
        let operation = "describing the configuration of topic '\(name)'"
        guard let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name) else {
            throw WhaleError(.resourceExhausted, "\(operation): librdkafka cannot allocate the request")
        }
        defer { rd_kafka_ConfigResource_destroy(resource) }
        return try adminRequest(
            RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
            operation: operation,
            timeout: timeout,
            setsOperationTimeout: false
        ) { options, queue in
            var resources: [OpaquePointer?] = [resource]
            rd_kafka_DescribeConfigs(handle, &resources, 1, options, queue)
        } read: { event in
            var count = 0
            guard
                let resources = rd_kafka_DescribeConfigs_result_resources(
                    rd_kafka_event_DescribeConfigs_result(event),
                    &count
                ), count > 0, let result = resources[0]
            else {
                throw WhaleError(.malformedData, "\(operation): the answer names no resource")
            }
            let status = rd_kafka_ConfigResource_error(result)
            guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw RDKafkaAdminError.make(
                    status,
                    reason: rd_kafka_ConfigResource_error_string(result).map { String(cString: $0) },
                    operation: operation
                )
            }
            var entryCount = 0
            var configs: [String: String] = [:]
            guard let entries = rd_kafka_ConfigResource_configs(result, &entryCount) else { return configs }
            for index in 0..<entryCount {
                guard let entry = entries[index], let entryName = rd_kafka_ConfigEntry_name(entry) else { continue }
                if rd_kafka_ConfigEntry_is_sensitive(entry) != 0 { continue }
                if !includeDefaults && rd_kafka_ConfigEntry_is_default(entry) != 0 { continue }
                guard let value = rd_kafka_ConfigEntry_value(entry) else { continue }
                configs[String(cString: entryName)] = String(cString: value)
            }
            return configs
        }
    }

    /// Sends one admin request on a queue of its own and waits for its result
    /// event. librdkafka times the request out itself after `timeout`; the
    /// wait has a margin beyond that only in case the event never comes.
    private func adminRequest<Result>(
        _ kind: rd_kafka_admin_op_t,
        operation: String,
        timeout: Duration,
        setsOperationTimeout: Bool,
        send: (_ options: OpaquePointer, _ queue: OpaquePointer) -> Void,
        read: (_ event: OpaquePointer) throws -> Result
    ) throws -> Result {
        guard let queue = rd_kafka_queue_new(handle) else {
            throw WhaleError(.resourceExhausted, "\(operation): librdkafka cannot allocate a result queue")
        }
        defer { rd_kafka_queue_destroy(queue) }
        guard let options = rd_kafka_AdminOptions_new(handle, kind) else {
            throw WhaleError(.resourceExhausted, "\(operation): librdkafka cannot allocate admin options")
        }
        defer { rd_kafka_AdminOptions_destroy(options) }
        let milliseconds = max(1, Self.milliseconds(timeout))
        var errorText = [CChar](repeating: 0, count: 512)
        if rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &errorText, errorText.count)
            != RD_KAFKA_RESP_ERR_NO_ERROR
        {
            throw WhaleError(.invalidInput, "\(operation): request timeout \(timeout): \(Self.adminText(errorText))")
        }
        if setsOperationTimeout,
            rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds, &errorText, errorText.count)
                != RD_KAFKA_RESP_ERR_NO_ERROR
        {
            throw WhaleError(.invalidInput, "\(operation): operation timeout \(timeout): \(Self.adminText(errorText))")
        }
        send(options, queue)
        // Operation and request timeouts run one after the other at worst.
        let wait = Int32(clamping: Int64(milliseconds) * 2 + 5_000)
        guard let event = rd_kafka_queue_poll(queue, wait) else {
            throw WhaleError(.timeout, "\(operation): no answer from the cluster within \(timeout)")
        }
        defer { rd_kafka_event_destroy(event) }
        let status = rd_kafka_event_error(event)
        guard status == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw RDKafkaAdminError.make(
                status,
                reason: rd_kafka_event_error_string(event).map { String(cString: $0) },
                operation: operation
            )
        }
        return try read(event)
    }

    /// Throws the first per-topic error in a CreateTopics / DeleteTopics /
    /// CreatePartitions result.
    private static func checkTopicResults(
        _ results: UnsafeMutablePointer<OpaquePointer?>?,
        count: Int,
        operation: String
    ) throws {
        guard let results, count > 0 else {
            throw WhaleError(.malformedData, "\(operation): the answer names no topic")
        }
        for index in 0..<count {
            guard let result = results[index] else { continue }
            let status = rd_kafka_topic_result_error(result)
            if status != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw RDKafkaAdminError.make(
                    status,
                    reason: rd_kafka_topic_result_error_string(result).map { String(cString: $0) },
                    operation: operation
                )
            }
        }
    }

    private static func ids(_ pointer: UnsafeMutablePointer<Int32>?, count: Int32) -> [Int32] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: Int(count)))
    }

    private static func adminText(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Turns the error codes of admin requests into `WhaleError`s that carry the
/// code, its name and the broker's reason as a ``KafkaAdminError``.
enum RDKafkaAdminError {
    static func make(_ code: rd_kafka_resp_err_t, reason: String?, operation: String) -> WhaleError {
        let name = String(cString: rd_kafka_err2name(code))
        let text = reason.flatMap { $0.isEmpty ? nil : $0 } ?? String(cString: rd_kafka_err2str(code))
        let detail = KafkaAdminError(code: code.rawValue, name: name, reason: text, operation: operation)
        let message = "\(operation): \(name) (\(code.rawValue)): \(text)"
        switch code {
        case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
            return WhaleError(.alreadyExists, message, underlying: detail)
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
            return WhaleError(.notFound, message, underlying: detail)
        case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
            RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR, RD_KAFKA_RESP_ERR_INVALID_REPLICA_ASSIGNMENT,
            RD_KAFKA_RESP_ERR_INVALID_CONFIG, RD_KAFKA_RESP_ERR_INVALID_REQUEST, RD_KAFKA_RESP_ERR__INVALID_ARG,
            RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
            // A policy violation can never pass unchanged either: the request
            // breaks a rule the cluster's operator set.
            return WhaleError(.invalidInput, message, underlying: detail)
        case RD_KAFKA_RESP_ERR_TOPIC_DELETION_DISABLED, RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
            RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
            return WhaleError(.permissionDenied, message, underlying: detail)
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
            return WhaleError(.timeout, message, underlying: detail)
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR_NOT_CONTROLLER, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
            return WhaleError(.unavailable, message, underlying: detail)
        case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE, RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
            // The broker cannot do this at all: not worth retrying.
            return WhaleError(.unavailable, message, underlying: detail, isRetriable: false)
        case RD_KAFKA_RESP_ERR__DESTROY:
            return WhaleError(.cancelled, message, underlying: detail)
        default:
            let general = RDKafkaError.make(code, operation)
            return WhaleError(general.code, message, underlying: detail, isRetriable: general.isRetriable)
        }
    }
}
