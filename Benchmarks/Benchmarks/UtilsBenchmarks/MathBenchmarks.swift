import Benchmark
import CoreUtils
import Foundation

/// Issue 7's math figures beside numpy in the same run: a 256 x 256 multiply
/// and solve in Swift (CoreUtils' `Matrix` over the CWhaleMath kernels, no
/// BLAS), and numpy 2.4 (OpenBLAS) timing the same operations on the same sizes
/// through `scripts/bench-numpy.py`, with OpenBLAS on all cores and on one.
func mathBenchmarks() {
    let n = 256
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .one,
                                                maxDuration: .seconds(10), maxIterations: 500)
    var random = SystemRandomNumberGenerator()
    let a = (try? Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &random) })) ?? .identity(n)
    let b = (try? Matrix(rows: n, columns: n, elements: (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &random) })) ?? .identity(n)
    let v = (0..<n).map { _ in Double.random(in: -1...1, using: &random) }

    Benchmark("Matrix 256x256 multiply (Swift, CWhaleMath kernels)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try a.multiplied(by: b)) }
    }
    Benchmark("Matrix 256x256 solve, LU with partial pivoting (Swift, CWhaleMath kernels)", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try a.solve(v)) }
    }
    let once = Benchmark.Configuration(metrics: [.wallClock], scalingFactor: .one, maxDuration: .seconds(60), maxIterations: 1)
    for threads in ["all cores", "1"] {
        Benchmark("Matrix 256x256 multiply and solve: numpy (OpenBLAS threads: \(threads), baseline)", configuration: once) { _ in
            try numpy(size: n, threads: threads == "1" ? "1" : nil)
        }
    }
}

private func numpy(size: Int, threads: String?) throws {
    let root = packageRoot
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", root.appendingPathComponent("scripts/bench-numpy.py").path, "\(size)", "200"]
    var environment = ProcessInfo.processInfo.environment
    environment["PYTHONPATH"] = root.appendingPathComponent(".services/py").path
    if let threads { environment["OPENBLAS_NUM_THREADS"] = threads }
    process.environment = environment
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "bench-numpy.py failed; run `make setup`"])
    }
}
