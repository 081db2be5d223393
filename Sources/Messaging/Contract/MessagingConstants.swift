/// The constants of the Smart Whale messaging contract (spec §8, Python
/// `ai/core/messaging/constants.py`), with their exact values.
///
/// Each member names the Python constant it mirrors. Topic names and sizes are
/// plain values; timeouts come both as `Duration`s and as whole seconds (the wire
/// carries seconds, e.g. a request's `timeout`). Statuses, error codes and request
/// sources are also static members of ``MessageStatus``, ``MessageErrorCode`` and
/// ``RequestSource``; the priorities are ``Priority``'s cases.
public enum MessagingConstants {
    // MARK: Version

    /// The version of the messaging contract: `"1.0.0"` (`MESSAGING_VERSION`).
    public static let messagingVersion = "1.0.0"

    // MARK: Topic prefixes

    /// The prefix of every Smart Whale topic: `"smartwhale"` (`TOPIC_PREFIX`).
    public static let topicPrefix = "smartwhale"
    /// The prefix of the Data module's topics: `"smartwhale.data"` (`DATA_PREFIX`).
    public static let dataPrefix = "smartwhale.data"
    /// The prefix of the models' topics: `"smartwhale.models"` (`MODELS_PREFIX`).
    public static let modelsPrefix = "smartwhale.models"
    /// The prefix of the Balance module's topics: `"smartwhale.balance"` (`BALANCE_PREFIX`).
    public static let balancePrefix = "smartwhale.balance"
    /// The prefix of the core's topics: `"smartwhale.core"` (`CORE_PREFIX`).
    public static let corePrefix = "smartwhale.core"

    // MARK: Standard topics

    /// Data requests from Balance to Data: `"smartwhale.data.requests"` (`DATA_REQUESTS_TOPIC`).
    public static let dataRequestsTopic = "smartwhale.data.requests"
    /// The prefix of the per-model response topics, `<prefix>.<model_id>`:
    /// `"smartwhale.data.responses"` (`DATA_RESPONSES_PREFIX`).
    public static let dataResponsesPrefix = "smartwhale.data.responses"
    /// Requests of the models to Balance: `"smartwhale.models.requests"` (`MODELS_REQUESTS_TOPIC`).
    public static let modelsRequestsTopic = "smartwhale.models.requests"
    /// Balance's metrics: `"smartwhale.balance.metrics"` (`BALANCE_METRICS_TOPIC`).
    public static let balanceMetricsTopic = "smartwhale.balance.metrics"
    /// Balance's events: `"smartwhale.balance.events"` (`BALANCE_EVENTS_TOPIC`).
    public static let balanceEventsTopic = "smartwhale.balance.events"
    /// System logs: `"smartwhale.core.logs"` (`SYSTEM_LOGS_TOPIC`).
    public static let systemLogsTopic = "smartwhale.core.logs"

    // MARK: Topic defaults

    /// Partitions of a standard topic: 5 (`DEFAULT_PARTITIONS`).
    public static let defaultPartitions = 5
    /// Replication factor of a standard topic: 3 (`DEFAULT_REPLICATION`).
    public static let defaultReplication = 3
    /// Partitions of a per-model response topic: 3 (`MODEL_TOPIC_PARTITIONS`).
    public static let modelTopicPartitions = 3
    /// Replication factor of a per-model response topic: 2 (`MODEL_TOPIC_REPLICATION`).
    public static let modelTopicReplication = 2

    // MARK: Priorities

    /// 1 (`PRIORITY_CRITICAL`); ``Priority/critical``.
    public static let priorityCritical = 1
    /// 2 (`PRIORITY_HIGH`); ``Priority/high``.
    public static let priorityHigh = 2
    /// 3 (`PRIORITY_MEDIUM`); ``Priority/medium``.
    public static let priorityMedium = 3
    /// 4 (`PRIORITY_LOW`); ``Priority/low``.
    public static let priorityLow = 4
    /// 5 (`PRIORITY_BACKGROUND`); ``Priority/background``.
    public static let priorityBackground = 5
    /// The priority of a message that does not say: ``Priority/medium`` (`DEFAULT_PRIORITY` = 3).
    public static let defaultPriority: Priority = .medium

    // MARK: Timeouts

    /// How long an operation may take: 30 s (`DEFAULT_OPERATION_TIMEOUT`).
    public static let defaultOperationTimeout: Duration = .seconds(30)
    /// ``defaultOperationTimeout`` in whole seconds, the unit of a request's `timeout`: 30.
    public static let defaultOperationTimeoutSeconds = 30
    /// How long a Kafka call may take: 10 s (`DEFAULT_KAFKA_TIMEOUT`).
    public static let defaultKafkaTimeout: Duration = .seconds(10)
    /// ``defaultKafkaTimeout`` in whole seconds: 10.
    public static let defaultKafkaTimeoutSeconds = 10

    // MARK: Sizes

    /// Messages per batch: 100 (`DEFAULT_BATCH_SIZE`).
    public static let defaultBatchSize = 100
    /// Buffer size in bytes: 1 MiB = 1,048,576 (`DEFAULT_BUFFER_SIZE`).
    public static let defaultBufferSize = 1_048_576

    // MARK: Request sources

    /// `"user"` (`REQUEST_SOURCE_USER`).
    public static let requestSourceUser: RequestSource = .user
    /// `"model"` (`REQUEST_SOURCE_MODEL`).
    public static let requestSourceModel: RequestSource = .model
    /// `"system"` (`REQUEST_SOURCE_SYSTEM`).
    public static let requestSourceSystem: RequestSource = .system
    /// The source of a request that does not say: `"user"` (`DEFAULT_REQUEST_SOURCE`).
    public static let defaultRequestSource: RequestSource = .user

    // MARK: Message statuses

    /// `"success"` (`MESSAGE_STATUS_SUCCESS`).
    public static let messageStatusSuccess: MessageStatus = .success
    /// `"error"` (`MESSAGE_STATUS_ERROR`).
    public static let messageStatusError: MessageStatus = .error
    /// `"pending"` (`MESSAGE_STATUS_PENDING`).
    public static let messageStatusPending: MessageStatus = .pending
    /// `"partial"` (`MESSAGE_STATUS_PARTIAL`).
    public static let messageStatusPartial: MessageStatus = .partial
    /// `"timeout"` (`MESSAGE_STATUS_TIMEOUT`).
    public static let messageStatusTimeout: MessageStatus = .timeout

    // MARK: Error codes

    /// `"invalid_request"` (`ERROR_INVALID_REQUEST`).
    public static let errorInvalidRequest: MessageErrorCode = .invalidRequest
    /// `"no_data_found"` (`ERROR_NO_DATA_FOUND`).
    public static let errorNoDataFound: MessageErrorCode = .noDataFound
    /// `"source_unavailable"` (`ERROR_SOURCE_UNAVAILABLE`).
    public static let errorSourceUnavailable: MessageErrorCode = .sourceUnavailable
    /// `"processing_failed"` (`ERROR_PROCESSING_FAILED`).
    public static let errorProcessingFailed: MessageErrorCode = .processingFailed
    /// `"timeout"` (`ERROR_TIMEOUT`).
    public static let errorTimeout: MessageErrorCode = .timeout
    /// `"unknown_error"` (`ERROR_UNKNOWN`).
    public static let errorUnknown: MessageErrorCode = .unknownError

    // MARK: Derived names

    /// The response topic of one model: `"smartwhale.data.responses.<modelID>"`.
    ///
    /// Only joins the names; whether `modelID` makes a valid Kafka topic name is the
    /// topic manager's check.
    public static func dataResponsesTopic(modelID: String) -> String {
        "\(dataResponsesPrefix).\(modelID)"
    }
}
