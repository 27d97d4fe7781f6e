"""Demo staff and realistic cases for trying the app and for benchmarks."""
