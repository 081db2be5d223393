/// The `CoreUtils` module: utilities (SEED.md §7): time utilities, the load-aware scheduler, input and JSON Schema validation, text and math helpers (issues 6 and 7).
///
/// The module is part of the package's shape from the start so downstream
/// services can depend on it by name; its components land with their issues
/// (see `Modules.md`). It depends only on `CoreProtocols`.
public enum CoreUtilsModule {
    /// The module's name, as used in metric labels and logs.
    public static let moduleName = "CoreUtils"
}
