public import Dispatch

extension DispatchQueue {
    /// Runs blocking work (a C call into hiredis, SQLite or librdkafka) on this
    /// queue and awaits its result, keeping it off Swift's cooperative pool.
    /// The result comes back through a ``ThreadHandOff``.
    ///
    /// Shared by the modules that wrap C libraries; not public API.
    package func runBlocking<Result: Sendable>(
        _ body: @escaping @Sendable () throws -> Result
    ) async throws -> Result {
        let handOff = ThreadHandOff<Result>()
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
            self.async { handOff.deliver(Swift.Result(catching: body), resuming: continuation) }
        }
        return try handOff.take()
    }
}
