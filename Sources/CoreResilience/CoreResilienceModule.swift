/// The `CoreResilience` module: resilience (SEED.md §3): circuit breaker, retry and backoff, fallback, degradation, bulkhead, rate limiter, time limiter, hedging and the pipeline that composes them (issue 3).
///
/// The module is part of the package's shape from the start so downstream
/// services can depend on it by name; its components land with their issues
/// (see `Modules.md`). It depends only on `CoreProtocols`.
public enum CoreResilienceModule {
    /// The module's name, as used in metric labels and logs.
    public static let moduleName = "CoreResilience"
}
