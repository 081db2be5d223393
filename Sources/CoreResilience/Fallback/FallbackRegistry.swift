public import CoreProtocols
import Synchronization

/// Fallback chains and policies by name: the spec's fallback manager, where
/// the node registers how each dependency degrades and callers look it up.
///
/// A typed ``FallbackChain`` is kept under its name **and** its result type,
/// so `"price"` may have one chain for `Price` and another for `[UInt8]`;
/// asking for a name with a result type it was not registered for is
/// `.notFound`. (Internally each entry is stored as `any Sendable` and cast
/// back, keyed by the name and the `ObjectIdentifier` of the result type.)
/// Type-erased ``FallbackPolicy`` values are kept apart, by name only.
/// Registering again under the same key replaces the entry.
///
/// ```swift
/// let fallbacks = FallbackRegistry()
/// fallbacks.register(FallbackChain<Price>([.value(.unknown, when: .code(.circuitOpen))]), as: "price")
/// let price = try await fallbacks.execute("price") { try await pricing.quote(id) }
/// ```
public final class FallbackRegistry: Sendable {
    private struct Key: Hashable {
        var name: String
        var type: ObjectIdentifier
    }

    private struct State {
        var chains: [Key: (typeName: String, chain: any Sendable)] = [:]
        var policies: [String: FallbackPolicy] = [:]
    }

    private let state = Mutex(State())

    /// An empty registry.
    public init() {}

    /// Keeps `chain` under `name` for its result type, replacing one kept there.
    public func register<Result: Sendable>(_ chain: FallbackChain<Result>, as name: String) {
        let key = Key(name: name, type: ObjectIdentifier(Result.self))
        state.locked { $0.chains[key] = ("\(Result.self)", chain) }
    }

    /// Keeps the type-erased `policy` under `name`, replacing one kept there.
    public func register(_ policy: FallbackPolicy, as name: String) {
        state.locked { $0.policies[name] = policy }
    }

    /// The chain kept under `name` for the result type `Result`.
    /// - Throws: `WhaleError` `.notFound` naming the name and the type (and
    ///   the types that name has, if any).
    public func chain<Result: Sendable>(named name: String, for _: Result.Type = Result.self) throws -> FallbackChain<Result> {
        let key = Key(name: name, type: ObjectIdentifier(Result.self))
        let (found, others) = state.locked { state -> ((any Sendable)?, [String]) in
            if let entry = state.chains[key] { return (entry.chain, []) }
            return (nil, state.chains.filter { $0.key.name == name }.map(\.value.typeName).sorted())
        }
        if let chain = found as? FallbackChain<Result> { return chain }
        let kept = others.isEmpty ? "" : " (it has chains for \(others.joined(separator: ", ")))"
        throw WhaleError(.notFound, "fallback chain '\(name)' for \(Result.self): not registered\(kept)")
    }

    /// The policy kept under `name`.
    /// - Throws: `WhaleError` `.notFound` naming the name.
    public func policy(named name: String) throws -> FallbackPolicy {
        guard let policy = state.locked({ $0.policies[name] }) else {
            throw WhaleError(.notFound, "fallback policy '\(name)': not registered")
        }
        return policy
    }

    /// Runs `operation` under the chain kept under `name` for `Result`.
    /// - Throws: `WhaleError` `.notFound` (without running `operation`) when no
    ///   such chain is kept; otherwise as ``FallbackChain/execute(isolation:_:)``.
    public func execute<Result: Sendable>(
        _ name: String,
        isolation: isolated (any Actor)? = #isolation,
        _ operation: () async throws -> Result
    ) async throws -> Result {
        let chain: FallbackChain<Result> = try chain(named: name)
        return try await chain.execute(operation)
    }

    /// Removes every chain and the policy kept under `name`.
    public func remove(named name: String) {
        state.locked { state in
            state.chains = state.chains.filter { $0.key.name != name }
            state.policies[name] = nil
        }
    }

    /// The names with a chain or a policy, sorted.
    public var names: [String] {
        state.locked { state in
            Set(state.chains.keys.map(\.name)).union(state.policies.keys).sorted()
        }
    }
}
