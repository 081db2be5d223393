import CoreProtocols
import Testing

@Suite struct WhaleErrorTests {
    @Test func retriabilityFollowsTheCode() {
        #expect(WhaleError(.unavailable, "down").isRetriable)
        #expect(WhaleError(.timeout, "slow").isRetriable)
        #expect(WhaleError(.resourceExhausted, "full").isRetriable)
        #expect(!WhaleError(.invalidInput, "bad").isRetriable)
        #expect(!WhaleError(.cancelled, "stop").isRetriable)
        #expect(!WhaleError(.unavailable, "down", isRetriable: false).isRetriable)
    }

    @Test func errorsThatDoNotConformAreNotRetriable() {
        struct Plain: Error {}
        let plain: any Error = Plain()
        let cancelled: any Error = CancellationError()
        let whale: any Error = WhaleError(.timeout, "slow")
        #expect(!plain.isWhaleRetriable)
        #expect(!cancelled.isWhaleRetriable)
        #expect(whale.isWhaleRetriable)
    }

    @Test func descriptionNamesCodeMessageAndCause() {
        let inner = WhaleError(.io, "disk full")
        let error = WhaleError(.unavailable, "cannot write", underlying: inner)
        #expect(error.description == "unavailable: cannot write (io: disk full)")
        #expect(error.file.hasSuffix("WhaleErrorTests.swift"))
        #expect(error.line > 0)
    }
}
