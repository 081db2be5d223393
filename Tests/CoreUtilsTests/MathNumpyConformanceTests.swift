import CoreProtocols
import CoreUtils
import Foundation
import Testing

/// The math utilities against numpy (installed into `.services/py` by `make
/// setup`) on seeded random inputs: every result within 1e-9, relative.
/// Fails, not skips, when python3 or numpy is missing.
@Suite struct MathNumpyConformanceTests {
    static let script = #"""
    import json, math, sys
    import numpy as np
    d = json.load(open(sys.argv[1]))
    s = np.array(d["samples"]); x = np.array(d["x"]); y = np.array(d["y"])
    m = s.mean(); c = s - m
    m2 = (c**2).mean(); m3 = (c**3).mean(); m4 = (c**4).mean()
    A = np.array(d["a"]); B = np.array(d["bm"]); b = np.array(d["b"])
    slope, intercept = np.polyfit(x, y, 1)
    out = {
        "mean": m, "median": float(np.median(s)), "var": s.var(), "var1": s.var(ddof=1),
        "std": s.std(), "std1": s.std(ddof=1),
        "percentiles": [float(np.percentile(s, p)) for p in d["ps"]],
        "skew": m3 / m2**1.5, "kurt": m4 / m2**2 - 3,
        "cov": float(np.cov(x, y)[0, 1]), "corr": float(np.corrcoef(x, y)[0, 1]),
        "slope": float(slope), "intercept": float(intercept),
        "matmul": (A @ B).flatten().tolist(), "inv": np.linalg.inv(A).flatten().tolist(),
        "det": float(np.linalg.det(A)), "solve": np.linalg.solve(A, b).tolist(),
        "interp": np.interp(d["xs"], d["xp"], d["fp"]).tolist(),
        "fsum": math.fsum(d["sumvalues"]),
    }
    print(json.dumps({k: (float(v) if isinstance(v, np.floating) else v) for k, v in out.items()}))
    """#

    static func numpy(_ input: [String: Any]) throws -> [String: Any] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let sitePackages = root.appendingPathComponent(".services/py")
        guard FileManager.default.fileExists(atPath: sitePackages.appendingPathComponent("numpy").path) else {
            throw WhaleError(.unavailable, "numpy is not in \(sitePackages.path); run `make setup`")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("whale-numpy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("input.json")
        let scriptFile = directory.appendingPathComponent("check.py")
        try JSONSerialization.data(withJSONObject: input).write(to: inputFile)
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptFile.path, inputFile.path]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONPATH"] = sitePackages.path
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let result = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw WhaleError(.internalError, "numpy script failed (\(process.terminationStatus)): \(errorText)")
        }
        return result
    }

    func close(_ swift: Double, _ numpy: Any?, _ what: String, scale: Double? = nil) {
        guard let numpy = numpy as? Double else {
            Issue.record("numpy gave no \(what)")
            return
        }
        let reference = scale ?? max(abs(numpy), 1e-300)
        #expect(abs(swift - numpy) <= 1e-9 * reference, "\(what): Swift \(swift), numpy \(numpy)")
    }

    func close(_ swift: [Double], _ numpy: Any?, _ what: String) {
        guard let numpy = numpy as? [Double], numpy.count == swift.count else {
            Issue.record("numpy gave no \(what) of \(swift.count) values")
            return
        }
        // Vectors and matrices: relative to their largest entry (normwise).
        let scale = max(numpy.map(abs).max() ?? 0, 1e-300)
        for (index, value) in swift.enumerated() { close(value, numpy[index], "\(what)[\(index)]", scale: scale) }
    }

    @Test(arguments: [1 as UInt64, 2, 3])
    func agreesWithNumpy(seed: UInt64) throws {
        var random = SplitMix64(state: seed)
        let samples = (0..<(500 + Int(seed) * 37)).map { _ in Double.random(in: -50...150, using: &random) * Double.random(in: 0...1, using: &random) }
        let x = (0..<300).map { _ in Double.random(in: -10...10, using: &random) }
        let y = x.map { 3 * $0 - 7 + Double.random(in: -4...4, using: &random) }
        let n = 40
        let a = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &random) }
        let bm = (0..<(n * 7)).map { _ in Double.random(in: -5...5, using: &random) }
        let b = (0..<n).map { _ in Double.random(in: -5...5, using: &random) }
        let ps = [0, 1, 5, 25, 50, 75, 90, 99, 99.9, 100]
        let xp = (0..<50).map { Double($0) * 0.5 + Double.random(in: 0...0.2, using: &random) }
        let fp = xp.map { sin($0) }
        let xs = (0..<100).map { _ in Double.random(in: -2...28, using: &random) }
        let sumValues = (0..<1000).map { i in (i % 2 == 0 ? 1e16 : -1e16) + Double.random(in: 0...1, using: &random) }
        let rows = { (flat: [Double], columns: Int) in stride(from: 0, to: flat.count, by: columns).map { Array(flat[$0..<$0 + columns]) } }
        let numpy = try Self.numpy([
            "samples": samples, "x": x, "y": y, "a": rows(a, n), "bm": rows(bm, 7), "b": b, "ps": ps,
            "xp": xp, "fp": fp, "xs": xs, "sumvalues": sumValues,
        ])

        close(try Statistics.mean(samples), numpy["mean"], "mean")
        close(try Statistics.median(samples), numpy["median"], "median")
        close(try Statistics.variance(samples), numpy["var"], "variance")
        close(try Statistics.variance(samples, .sample), numpy["var1"], "sample variance")
        close(try Statistics.standardDeviation(samples), numpy["std"], "std")
        close(try Statistics.standardDeviation(samples, .sample), numpy["std1"], "sample std")
        close(try Statistics.percentiles(samples, ps), numpy["percentiles"], "percentiles")
        close(try Statistics.skewness(samples), numpy["skew"], "skewness")
        close(try Statistics.kurtosis(samples), numpy["kurt"], "kurtosis")
        close(try Statistics.covariance(x, y), numpy["cov"], "covariance")
        close(try Statistics.correlation(x, y), numpy["corr"], "correlation")
        let line = try Statistics.linearRegression(x, y)
        close(line.slope, numpy["slope"], "slope")
        close(line.intercept, numpy["intercept"], "intercept")
        var running = RunningStatistics()
        var half = RunningStatistics()
        for (index, value) in samples.enumerated() {
            if index < samples.count / 2 { try running.add(value) } else { try half.add(value) }
        }
        running.merge(half)
        close(running.mean, numpy["mean"], "running mean")
        close(running.variance(.sample) ?? .nan, numpy["var1"], "running sample variance")

        let matrixA = try Matrix(rows: n, columns: n, elements: a)
        close(try matrixA.multiplied(by: Matrix(rows: n, columns: 7, elements: bm)).elements, numpy["matmul"], "matmul")
        close(try matrixA.inverse().elements, numpy["inv"], "inverse")
        close(try matrixA.determinant(), numpy["det"], "determinant")
        close(try matrixA.solve(b), numpy["solve"], "solve")
        close(try Numerics.interpolate(xs, xp: xp, fp: fp), numpy["interp"], "interp")
        close(Numerics.sum(sumValues), numpy["fsum"], "compensated sum vs math.fsum")
    }
}
