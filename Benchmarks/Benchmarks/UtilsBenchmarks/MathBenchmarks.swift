import Benchmark
import CoreUtils

/// Issue 7's math figures beside numpy in the same run (filled in with the math utilities).
func mathBenchmarks() {}
