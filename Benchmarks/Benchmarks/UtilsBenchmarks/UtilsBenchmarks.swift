import Benchmark
import CoreProtocols
import CoreUtils
import Foundation

/// Issue 6's JSON Schema figures, each beside python-jsonschema 4.x in the same run
/// (`scripts/bench-jsonschema.py`, same schemas, same data):
///
/// - the whole required draft2020-12 suite (1,299 instances), every schema compiled
///   once, each instance validated `suiteRepeats` times (`JSONSchema.isValid`);
/// - 100,000 `DataRequest`-shaped documents (SEED.md §8; one in ten invalid) against
///   one schema, written by the script so both sides read the same file.
///
/// Each Swift benchmark prints `<rate>/s`; each python row prints the script's own
/// figure (its wall clock also holds Python's start-up and JSON loading, the
/// printed rate does not).
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let suiteRoot = packageRoot.appendingPathComponent("../shared/testdata/json-schema-test-suite").standardized.path
let script = packageRoot.appendingPathComponent("scripts/bench-jsonschema.py").path
let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("whale-bench-jsonschema").path
let suiteRepeats = 20

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], scalingFactor: .one, maxDuration: .seconds(60), maxIterations: 5)
    let once = Benchmark.Configuration(metrics: [.wallClock], scalingFactor: .one, maxDuration: .seconds(120), maxIterations: 1)

    Benchmark("JSON Schema: required draft2020-12 suite, compiled once (1,299 instances x \(suiteRepeats))", configuration: configuration) { benchmark in
        let cases = try suiteCases()
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        var valid = 0
        for _ in benchmark.scaledIterations {
            for _ in 0..<suiteRepeats {
                for (schema, instance) in cases where try schema.isValid(instance) { valid += 1 }
            }
        }
        benchmark.stopMeasurement()
        report("Swift JSONSchema required suite", count: cases.count * suiteRepeats * benchmark.scaledIterations.count, since: start)
        blackHole(valid)
    }

    Benchmark("JSON Schema: 100,000 DataRequest documents", configuration: configuration) { benchmark in
        let (schema, documents) = try dataRequests()
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        var valid = 0
        for _ in benchmark.scaledIterations {
            for document in documents where try schema.isValid(document) { valid += 1 }
        }
        benchmark.stopMeasurement()
        report("Swift JSONSchema DataRequest x \(documents.count) (\(valid / benchmark.scaledIterations.count) valid)", count: documents.count * benchmark.scaledIterations.count, since: start)
    }

    Benchmark("JSON Schema: 10,000 invalid DataRequests with every error located (basic output)", configuration: configuration) { benchmark in
        let (schema, documents) = try dataRequests()
        let invalid = Array(documents.filter { (try? schema.isValid($0)) == false }.prefix(10_000))
        benchmark.startMeasurement()
        let start = ContinuousClock.now
        var errors = 0
        for _ in benchmark.scaledIterations {
            for document in invalid { errors += try schema.validate(document).errors.count }
        }
        benchmark.stopMeasurement()
        report("Swift JSONSchema validate() on invalid DataRequests", count: invalid.count * benchmark.scaledIterations.count, since: start)
        blackHole(errors)
    }

    Benchmark("python-jsonschema baseline: required draft2020-12 suite (1,299 instances x 5)", configuration: once) { _ in
        try python(["suite", suiteRoot, "5"])
    }

    Benchmark("python-jsonschema baseline: 100,000 DataRequest documents", configuration: once) { _ in
        try writeData()
        try python(["datarequests", dataDirectory])
    }

    mathBenchmarks()
    schedulerBenchmarks()
}

func report(_ what: String, count: Int, since start: ContinuousClock.Instant) {
    let elapsed = start.duration(to: .now)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(String(format: "%@: %d validations in %.3f s = %.0f/s", what, count, seconds, Double(count) / seconds))
}

func python(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script] + arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw WhaleError(.internalError, "bench-jsonschema.py \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
}

func writeData() throws {
    if !FileManager.default.fileExists(atPath: dataDirectory + "/datarequests.json") {
        try python(["write", dataDirectory])
    }
}

func dataRequests() throws -> (JSONSchema, [JSONValue]) {
    try writeData()
    guard let schemaData = FileManager.default.contents(atPath: dataDirectory + "/datarequest.schema.json"),
        let documentData = FileManager.default.contents(atPath: dataDirectory + "/datarequests.json")
    else { throw WhaleError(.io, "cannot read the benchmark data in \(dataDirectory)") }
    let schema = try JSONSchema(try JSONValue(parsing: schemaData))
    guard case .array(let documents) = try JSONValue(parsing: documentData) else { throw WhaleError(.malformedData, "datarequests.json is not an array") }
    return (schema, documents)
}

/// Every (compiled schema, instance) pair of the required suite.
func suiteCases() throws -> [(JSONSchema, JSONValue)] {
    let directory = suiteRoot + "/tests/draft2020-12"
    let resolver = JSONSchemaDirectoryResolver(prefix: "http://localhost:1234/", directory: suiteRoot + "/remotes")
    var cases: [(JSONSchema, JSONValue)] = []
    for name in try FileManager.default.contentsOfDirectory(atPath: directory).filter({ $0.hasSuffix(".json") }).sorted() {
        guard let data = FileManager.default.contents(atPath: directory + "/" + name), case .array(let groups) = try JSONValue(parsing: data) else {
            throw WhaleError(.io, "cannot read \(name)")
        }
        for group in groups {
            let schema = try JSONSchema(group["schema"] ?? .null, resolver: resolver)
            for test in group["tests"]?.arrayValue ?? [] { cases.append((schema, test["data"] ?? .null)) }
        }
    }
    return cases
}
