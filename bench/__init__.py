"""Axon's benchmark suite: ``python -m bench <workload> [options]`` (see docs/benchmarks.md)."""
