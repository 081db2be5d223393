internal import CWhaleKafka
import CoreProtocols

/// Turns librdkafka error codes into ``CoreProtocols/WhaleError``s.
enum RDKafkaError {
    static func make(_ code: rd_kafka_resp_err_t, _ context: String) -> WhaleError {
        let text = String(cString: rd_kafka_err2str(code))
        let kind: WhaleError.Code
        switch code {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
            kind = .timeout
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
            kind = .unavailable
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
            kind = .resourceExhausted
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR__INVALID_ARG,
            RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
            kind = .invalidInput
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            kind = .notFound
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__DESTROY:
            kind = .cancelled
        case RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
            kind = .unauthenticated
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
            RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
            kind = .permissionDenied
        default:
            // Unknown to this mapping: not retried unless the code says so.
            return WhaleError(.unavailable, "\(context): \(text)", isRetriable: false)
        }
        return WhaleError(kind, "\(context): \(text)")
    }
}
