import Benchmark
import CoreCache
import CoreProtocols
import CoreSecurity
import Foundation

// Each figure is measured beside its baseline in the same run.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    // The injectable clock is read on every TTL check, so it must cost what
    // the standard library's clock costs.
    Benchmark("Clock read: SystemClock.now (WhaleClock)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let clock = SystemClock()
        for _ in benchmark.scaledIterations {
            blackHole(clock.now)
        }
    }
    Benchmark("Clock read: ContinuousClock.now (baseline)", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let clock = ContinuousClock()
        for _ in benchmark.scaledIterations {
            blackHole(clock.now)
        }
    }

    // The cost of one call through a C shim: SHA-256 of 1 KiB via OpenSSL's EVP.
    let kibibyte = [UInt8](repeating: 0x5a, count: 1024)
    Benchmark("Shim call: SHA-256 of 1 KiB (CWhaleOpenSSL)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try SHA256Digest.hash(kibibyte))
        }
    }
    Benchmark("Shim call: 32 random bytes (CWhaleOpenSSL RAND_bytes)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try SecureRandom.bytes(count: 32))
        }
    }

    // A SQLite point read through the CWhaleSQLite shim (prepare, bind, step,
    // finalize), against an in-memory database so disk does not dominate.
    Benchmark("Shim call: SQLite point read (CWhaleSQLite, :memory:)") { (benchmark: Benchmark, database: SQLiteDatabase) throws in
        for iteration in benchmark.scaledIterations {
            blackHole(try database.query("SELECT v FROM kv WHERE k = ?", [.integer(Int64(iteration % 1_000))]))
        }
    } setup: { () throws -> SQLiteDatabase in
        let database = try SQLiteDatabase(path: ":memory:")
        try database.execute("CREATE TABLE kv (k INTEGER PRIMARY KEY, v BLOB)")
        for key in 0..<1_000 {
            try database.run("INSERT INTO kv VALUES (?, ?)", [.integer(Int64(key)), .blob(kibibyte)])
        }
        return database
    }
}
