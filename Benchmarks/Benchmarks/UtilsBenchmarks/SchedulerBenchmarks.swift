import Benchmark
import CoreUtils

/// Issue 7's scheduler figures: overhead per fire (filled in with the scheduler).
func schedulerBenchmarks() {}
