/// The `CoreLogging` module: logging (SEED.md §5): a swift-log backend with file, Kafka and Elasticsearch handlers, JSON and text formatters, and the log processor that filters sensitive data.
///
/// The module is part of the package's shape from the start so downstream
/// services can depend on it by name; its components land with their issues
/// (see `Modules.md`). It depends only on `CoreProtocols`.
public enum CoreLoggingModule {
    /// The module's name, as used in metric labels and logs.
    public static let moduleName = "CoreLogging"
}
