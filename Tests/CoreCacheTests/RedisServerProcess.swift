import CoreCache
import CoreProtocols
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `redis-server` a test starts itself on a free loopback port, so it can
/// kill it (SIGKILL) and start it again on the same port, or give it a
/// password. Nothing is persisted. The process is killed when the value goes
/// away.
///
/// Throws (the test fails) when `redis-server` is not installed: set
/// `WHALE_REDIS_SERVER` to its path when it is not on `PATH`.
final class RedisServerProcess {
    /// The port it listens on, the same across restarts.
    private(set) var port: Int
    /// Extra `redis-server` arguments, e.g. `["--requirepass", "secret"]`.
    let extraArguments: [String]
    private let executable: URL
    private let logFile: URL
    private var process: Process?

    /// Finds a free port and starts the server on it.
    init(extraArguments: [String] = []) async throws {
        executable = try Self.findExecutable()
        port = try Self.freePort()
        self.extraArguments = extraArguments
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("whale-redis-\(UUID().uuidString).log")
        // A free port can be taken by another test's server between the probe
        // and the bind: try a fresh one before giving up.
        for attempt in 1...3 {
            do {
                try await start()
                return
            } catch where attempt < 3 {
                kill()
                port = try Self.freePort()
            }
        }
    }

    deinit {
        if let process, process.isRunning {
            signalKill(process.processIdentifier)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: logFile)
    }

    /// `redis://[:password@]127.0.0.1:<port>[/database]`.
    func url(password: String? = nil, username: String? = nil, database: Int = 0) -> String {
        let credentials = password.map { "\(username ?? ""):\($0)@" } ?? ""
        return "redis://\(credentials)127.0.0.1:\(port)\(database == 0 ? "" : "/\(database)")"
    }

    /// A configuration for ``url(password:username:database:)`` with short timeouts.
    func configuration(password: String? = nil, username: String? = nil, database: Int = 0) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: url(password: password, username: username, database: database))
        configuration.connectTimeout = .milliseconds(500)
        configuration.commandTimeout = .seconds(1)
        return configuration
    }

    /// Starts the server (again) and waits until it accepts connections.
    func start() async throws {
        let process = Process()
        process.executableURL = executable
        process.arguments =
            [
                "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--logfile", logFile.path,
            ] + extraArguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(30)
        while clock.now < deadline {
            guard process.isRunning else { break }
            if Self.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        throw WhaleError(.unavailable, "redis-server on port \(port) did not start; its log:\n\(log)")
    }

    /// Kills the server with SIGKILL (no shutdown, sockets reset) and waits for it.
    func kill() {
        guard let process, process.isRunning else { return }
        signalKill(process.processIdentifier)
        process.waitUntilExit()
        self.process = nil
    }

    /// Whether something accepts a TCP connection on `127.0.0.1:port`.
    static func accepts(port: Int) -> Bool {
        let descriptor = socket(AF_INET, streamSocketType, 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    /// A port nothing listens on now (the kernel's pick for port 0).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, streamSocketType, 0)
        guard descriptor >= 0 else { throw WhaleError(.io, "socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw WhaleError(.io, "cannot bind a loopback port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    private static func findExecutable() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["WHALE_REDIS_SERVER"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        for directory in (environment["PATH"] ?? "/usr/bin:/usr/local/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("redis-server")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw WhaleError(
            .invalidConfiguration,
            "redis-server is not on PATH: these tests start their own server (Debian: apt-get install redis-server), or set WHALE_REDIS_SERVER"
        )
    }
}

/// A loopback socket that listens but never accepts or answers: connects
/// succeed (the kernel completes them), commands time out.
final class SilentServer {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let descriptor = socket(AF_INET, streamSocketType, 0)
        guard descriptor >= 0 else { throw WhaleError(.io, "socket() failed: errno \(errno)") }
        var address = RedisServerProcess.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard listening else {
            close(descriptor)
            throw WhaleError(.io, "cannot listen on a loopback port: errno \(errno)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}

#if canImport(Glibc)
private let streamSocketType = Int32(SOCK_STREAM.rawValue)
#else
private let streamSocketType = SOCK_STREAM
#endif

/// `kill(pid, SIGKILL)`, out of reach of the method named `kill`.
private func signalKill(_ pid: Int32) {
    _ = kill(pid, SIGKILL)
}
