/// The `CoreResources` module: resource management (SEED.md §2): CPU, memory and GPU allocators, the resource monitor, threshold manager and alert generator, the resource optimizer and load balancer.
///
/// The module is part of the package's shape from the start so downstream
/// services can depend on it by name; its components land with their issues
/// (see `Modules.md`). It depends only on `CoreProtocols`.
public enum CoreResourcesModule {
    /// The module's name, as used in metric labels and logs.
    public static let moduleName = "CoreResources"
}
