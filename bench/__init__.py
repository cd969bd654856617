"""Benchmarks: load generator, baselines and one-off measurements (`python -m bench`)."""
