import CoreProtocols
import Dispatch

extension KafkaService {
    /// Sends a request and waits for its response (`request_id` ↔
    /// `correlation_id`) on the request's response topic.
    ///
    /// The response topic is the request's `response_topic`, or, when that is
    /// empty, the model's `smartwhale.data.responses.<model_id>` (filled in
    /// before sending); it is created if missing. A listener reads that topic
    /// from its current end without a consumer group (one per topic, shared by
    /// every request), so the wait starts at once and no response is missed.
    /// A request without `ttl` or `expires_at` gets `expires_at` = now +
    /// `timeout`, so a server that enforces expiry
    /// (``serveRequests(topic:group:options:handler:)``) does not work on a
    /// request nobody waits for any more.
    /// - Parameters:
    ///   - request: the request; it is validated strictly first.
    ///   - timeout: how long to wait for the response. Default: the request's
    ///     `payload.timeout` seconds (30 unless set).
    /// - Returns: the response whose `correlation_id` is the request's id.
    /// - Throws: `WhaleError`: `.invalidInput` for an invalid request or model
    ///   id (nothing is sent); `.timeout` when no response came in time; the
    ///   errors of ``send(_:)``; `.malformedData` for a response that does not
    ///   decode; `.cancelled` on ``disconnect()`` or task cancellation.
    public func request(_ request: DataRequest, timeout: Duration? = nil) async throws -> DataResponse {
        try await self.request(request, on: MessagingConstants.dataRequestsTopic, timeout: timeout)
    }

    /// Sends a request to `topic` instead of `smartwhale.data.requests` and
    /// waits for its response; see ``request(_:timeout:)``.
    public func request(_ request: DataRequest, on topic: String, timeout: Duration? = nil) async throws -> DataResponse {
        var request = request
        try request.validateStrictly()
        if request.payload.responseTopic.isEmpty {
            request.payload.responseTopic = try TopicManager.responseTopic(modelID: request.payload.modelID)
        }
        let wait = timeout ?? .seconds(max(1, request.payload.timeout))
        if request.metadata.expiry == nil {
            request.metadata.expiresAt = MessageTimestamp(SystemClock().now.advanced(by: wait))
        }
        let requestID = request.metadata.requestID
        let listener = try await responseListener(for: request.payload.responseTopic, timeout: wait)
        let slot = listener.expect(requestID)
        defer { listener.forget(requestID) }
        try await send(Self.message(request, topic: topic))
        return try await slot.value(timeout: wait, requestID: requestID)
    }

    /// Serves requests: joins `group` on `topic`, hands each valid
    /// ``DataRequest`` to `handler` and sends its ``DataResponse`` to the
    /// request's response topic, with `correlation_id` set to the request id.
    ///
    /// - **Bad input** is never retried: a value over ``maxMessageBytes``, not
    ///   JSON, lacking required fields or with an unknown enum value goes to
    ///   the dead-letter topic at once with the reason (``MessageRejection``),
    ///   and the subscription goes on.
    /// - **Expiry**: a request whose `expires_at` (or `timestamp` + `ttl`) has
    ///   passed is not handled; it is dead-lettered with the reason.
    /// - **Priority**: with a backlog, the most urgent request (priority 1) is
    ///   handled first.
    /// - A handler that throws is retried, then the request is dead-lettered
    ///   (the options' ``KafkaSubscriptionOptions/maxAttempts``).
    /// - Parameters:
    ///   - topic: Default: `smartwhale.data.requests`.
    ///   - options: Default: ``subscriptionOptions`` with
    ///     ``KafkaSubscriptionOptions/priorityOrdering`` and
    ///     ``KafkaSubscriptionOptions/enforceExpiry`` on, and
    ///     ``KafkaSubscriptionOptions/maxFetchWait`` 10 ms unless set (a
    ///     request waits for the server's next fetch).
    public func serveRequests(
        topic: String = MessagingConstants.dataRequestsTopic,
        group: String,
        options: KafkaSubscriptionOptions? = nil,
        handler: @escaping @Sendable (DataRequest) async throws -> DataResponse
    ) async throws -> KafkaSubscription {
        var serving = subscriptionOptions
        serving.priorityOrdering = true
        serving.enforceExpiry = true
        serving.maxFetchWait = serving.maxFetchWait ?? .milliseconds(10)
        let maxMessageBytes = self.maxMessageBytes
        return try await subscribe(topic: topic, group: group, options: options ?? serving) { [self] message in
            guard message.value.count <= maxMessageBytes else {
                throw MessageRejection("oversized: \(message.value.count) bytes; the limit is \(maxMessageBytes) (maxMessageBytes)")
            }
            let request = try Self.decodeRequest(message.value)
            var response = try await handler(request)
            if response.metadata.correlationID == nil { response.metadata.correlationID = request.metadata.requestID }
            let responseTopic =
                request.payload.responseTopic.isEmpty
                ? try TopicManager.responseTopic(modelID: request.payload.modelID) : request.payload.responseTopic
            try await sendDataResponse(response, topic: responseTopic)
        }
    }

    /// Decodes and strictly validates a request; any failure is a
    /// ``MessageRejection`` (dead-lettered at once, never retried).
    static func decodeRequest(_ value: [UInt8]) throws -> DataRequest {
        do {
            let request = try DataRequest(json: value)
            try request.validateStrictly()
            return request
        } catch {
            throw MessageRejection("not a valid data request", underlying: error)
        }
    }
}
