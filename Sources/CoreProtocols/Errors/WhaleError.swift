/// The one error shape every Smart Whale module throws.
///
/// Modelled on `KafkaError` and `ServiceGroupError`: a struct with an extensible
/// ``Code``, a human-readable message, the underlying error (if any) and the
/// place it was created. ``isRetriable`` is what the resilience policies read to
/// decide whether another attempt makes sense.
///
/// ```swift
/// throw WhaleError(.invalidInput, "value is 3 MiB, the limit is 1 MiB")
/// ```
public struct WhaleError: RetriableError, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added in any release, so
    /// switch over it with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case invalidInput
            case invalidConfiguration
            case notFound
            case alreadyExists
            case unavailable
            case timeout
            case cancelled
            case unauthenticated
            case permissionDenied
            case resourceExhausted
            case malformedData
            case conflict
            case io
            case internalError
            case circuitOpen
            case rateLimited
            case bulkheadFull
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The caller passed a value that can never succeed (too large, wrong shape).
        public static let invalidInput = Code(.invalidInput)
        /// A setting (URL, port, path) is malformed or names something unusable.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The thing asked for does not exist.
        public static let notFound = Code(.notFound)
        /// The thing to create exists already.
        public static let alreadyExists = Code(.alreadyExists)
        /// A service (Redis, Kafka, a peer) does not answer. Retriable.
        public static let unavailable = Code(.unavailable)
        /// An operation did not finish in its time. Retriable.
        public static let timeout = Code(.timeout)
        /// The operation was cancelled; never counted as a failure of the callee.
        public static let cancelled = Code(.cancelled)
        /// Credentials are missing, wrong or expired.
        public static let unauthenticated = Code(.unauthenticated)
        /// The subject is known but may not do this.
        public static let permissionDenied = Code(.permissionDenied)
        /// A limit (rate, queue, memory, budget) is exhausted for now. Retriable.
        public static let resourceExhausted = Code(.resourceExhausted)
        /// Bytes from outside (a message, a file, a reply) could not be decoded.
        public static let malformedData = Code(.malformedData)
        /// The state changed under the caller (version mismatch, lost lock).
        public static let conflict = Code(.conflict)
        /// Reading or writing a file or socket failed.
        public static let io = Code(.io)
        /// A bug or broken invariant inside the library.
        public static let internalError = Code(.internalError)
        /// A circuit breaker refused the call without trying it. Not retriable:
        /// the breaker decides when to try again.
        public static let circuitOpen = Code(.circuitOpen)
        /// A rate limiter refused the call for now. Retriable after a delay.
        public static let rateLimited = Code(.rateLimited)
        /// A bulkhead had no free slot within its wait time. Retriable.
        public static let bulkheadFull = Code(.bulkheadFull)

        /// Whether a failure of this kind may succeed when tried again unchanged.
        public var isRetriableByDefault: Bool {
            switch base {
            case .unavailable, .timeout, .resourceExhausted, .io, .rateLimited, .bulkheadFull: true
            default: false
            }
        }

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A one-line, human-readable explanation that names the problem.
    public var message: String
    /// The error this one wraps, if any.
    public var underlying: (any Error)?
    /// Whether trying again unchanged may succeed. Defaults to the code's
    /// ``Code/isRetriableByDefault``.
    public var isRetriable: Bool
    /// The file (`#fileID`) that created the error.
    public var file: String
    /// The line that created the error.
    public var line: Int

    /// Creates an error.
    /// - Parameters:
    ///   - code: what kind of failure it is.
    ///   - message: a one-line explanation naming the problem.
    ///   - underlying: the error this one wraps. Default: none.
    ///   - isRetriable: overrides the code's default retriability.
    public init(
        _ code: Code,
        _ message: String,
        underlying: (any Error)? = nil,
        isRetriable: Bool? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.isRetriable = isRetriable ?? code.isRetriableByDefault
        self.file = file
        self.line = line
    }

    public var description: String {
        if let underlying {
            return "\(code): \(message) (\(underlying))"
        }
        return "\(code): \(message)"
    }
}
