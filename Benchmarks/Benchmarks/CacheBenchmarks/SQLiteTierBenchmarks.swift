/// L-tier benchmarks: filled in with the tier.
func sqliteTierBenchmarks() {}
