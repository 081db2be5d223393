import Synchronization
import CoreProtocols

/// Runs one load per key at a time: concurrent callers for the same key share
/// the first caller's load and its result (FusionCache's cache stampede
/// protection). The load runs in its own task, so one caller being cancelled
/// does not fail the others.
final class SingleFlight: Sendable {
    typealias Load = @Sendable () async throws -> (any Sendable)?

    private struct Flight {
        var id: UInt64
        var task: Task<(any Sendable)?, any Error>
    }

    private let flights = Mutex<(next: UInt64, byKey: [String: Flight])>((0, [:]))

    /// How many loads are running now.
    var count: Int { flights.locked { $0.byKey.count } }

    /// Joins the load running for `key`, or starts `load` as that load.
    /// Returns its result and whether this caller started it.
    func run(key: String, _ load: @escaping Load) async throws -> (value: (any Sendable)?, leader: Bool) {
        let (task, leader) = flights.locked { state -> (Task<(any Sendable)?, any Error>, Bool) in
            if let flight = state.byKey[key] { return (flight.task, false) }
            let id = state.next
            state.next &+= 1
            let task = Task<(any Sendable)?, any Error> {
                defer { self.finish(key: key, id: id) }
                return try await load()
            }
            state.byKey[key] = Flight(id: id, task: task)
            return (task, true)
        }
        return (try await task.value, leader)
    }

    private func finish(key: String, id: UInt64) {
        flights.locked { state in
            if state.byKey[key]?.id == id { state.byKey[key] = nil }
        }
    }
}
