/// The error `body` throws, or `nil` when it returns: for tests that inspect
/// an error's details (code, message, type) after the call.
func caught(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
