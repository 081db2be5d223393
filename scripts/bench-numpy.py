#!/usr/bin/env python3
"""numpy's side of the math benchmarks (Benchmarks/.../MathBenchmarks.swift):
times an n x n matrix multiply and solve on the same seeded-style inputs and
prints the best per-operation time in milliseconds, one line each.

Usage: bench-numpy.py N REPEATS   (PYTHONPATH=.services/py)
"""
import sys
import time

import numpy as np


def best(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[0] * 1000, times[len(times) // 2] * 1000


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    rng = np.random.default_rng(7)
    a = rng.uniform(-1, 1, (n, n))
    b = rng.uniform(-1, 1, (n, n))
    v = rng.uniform(-1, 1, n)
    config = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {}).get("name", "?")
    low, median = best(lambda: a @ b, repeats)
    print(f"numpy {np.__version__} ({config}) {n}x{n} multiply: best {low:.3f} ms, median {median:.3f} ms")
    low, median = best(lambda: np.linalg.solve(a, v), repeats)
    print(f"numpy {np.__version__} ({config}) {n}x{n} solve: best {low:.3f} ms, median {median:.3f} ms")


if __name__ == "__main__":
    main()
