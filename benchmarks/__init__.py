"""Side-by-side benchmarks for kformat (run ``python -m benchmarks``)."""
