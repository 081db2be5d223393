import Messaging
import Testing

@Suite struct ContractConstantsTests {
    @Test func versionAndTopicPrefixes() {
        #expect(MessagingConstants.messagingVersion == "1.0.0")
        #expect(MessagingConstants.topicPrefix == "smartwhale")
        #expect(MessagingConstants.dataPrefix == "smartwhale.data")
        #expect(MessagingConstants.modelsPrefix == "smartwhale.models")
        #expect(MessagingConstants.balancePrefix == "smartwhale.balance")
        #expect(MessagingConstants.corePrefix == "smartwhale.core")
    }

    @Test func standardTopics() {
        #expect(MessagingConstants.dataRequestsTopic == "smartwhale.data.requests")
        #expect(MessagingConstants.dataResponsesPrefix == "smartwhale.data.responses")
        #expect(MessagingConstants.modelsRequestsTopic == "smartwhale.models.requests")
        #expect(MessagingConstants.balanceMetricsTopic == "smartwhale.balance.metrics")
        #expect(MessagingConstants.balanceEventsTopic == "smartwhale.balance.events")
        #expect(MessagingConstants.systemLogsTopic == "smartwhale.core.logs")
        #expect(MessagingConstants.dataResponsesTopic(modelID: "m-1") == "smartwhale.data.responses.m-1")
    }

    @Test func topicDefaults() {
        #expect(MessagingConstants.defaultPartitions == 5)
        #expect(MessagingConstants.defaultReplication == 3)
        #expect(MessagingConstants.modelTopicPartitions == 3)
        #expect(MessagingConstants.modelTopicReplication == 2)
    }

    @Test func priorities() {
        #expect(MessagingConstants.priorityCritical == 1)
        #expect(MessagingConstants.priorityHigh == 2)
        #expect(MessagingConstants.priorityMedium == 3)
        #expect(MessagingConstants.priorityLow == 4)
        #expect(MessagingConstants.priorityBackground == 5)
        #expect(MessagingConstants.defaultPriority == .medium)
        #expect(MessagingConstants.defaultPriority.rawValue == 3)
    }

    @Test func timeoutsAndSizes() {
        #expect(MessagingConstants.defaultOperationTimeout == .seconds(30))
        #expect(MessagingConstants.defaultOperationTimeoutSeconds == 30)
        #expect(MessagingConstants.defaultKafkaTimeout == .seconds(10))
        #expect(MessagingConstants.defaultKafkaTimeoutSeconds == 10)
        #expect(MessagingConstants.defaultBatchSize == 100)
        #expect(MessagingConstants.defaultBufferSize == 1_048_576)
        #expect(MessagingConstants.defaultBufferSize == 1024 * 1024)
    }

    @Test func requestSources() {
        #expect(MessagingConstants.requestSourceUser.rawValue == "user")
        #expect(MessagingConstants.requestSourceModel.rawValue == "model")
        #expect(MessagingConstants.requestSourceSystem.rawValue == "system")
        #expect(MessagingConstants.defaultRequestSource == .user)
    }

    @Test func messageStatuses() {
        #expect(MessagingConstants.messageStatusSuccess.rawValue == "success")
        #expect(MessagingConstants.messageStatusError.rawValue == "error")
        #expect(MessagingConstants.messageStatusPending.rawValue == "pending")
        #expect(MessagingConstants.messageStatusPartial.rawValue == "partial")
        #expect(MessagingConstants.messageStatusTimeout.rawValue == "timeout")
        #expect(MessageStatus.allKnown.map(\.rawValue) == ["success", "error", "pending", "partial", "timeout"])
    }

    @Test func errorCodes() {
        #expect(MessagingConstants.errorInvalidRequest.rawValue == "invalid_request")
        #expect(MessagingConstants.errorNoDataFound.rawValue == "no_data_found")
        #expect(MessagingConstants.errorSourceUnavailable.rawValue == "source_unavailable")
        #expect(MessagingConstants.errorProcessingFailed.rawValue == "processing_failed")
        #expect(MessagingConstants.errorTimeout.rawValue == "timeout")
        #expect(MessagingConstants.errorUnknown.rawValue == "unknown_error")
        #expect(
            MessageErrorCode.allKnown.map(\.rawValue)
                == ["invalid_request", "no_data_found", "source_unavailable", "processing_failed", "timeout", "unknown_error"]
        )
    }
}
