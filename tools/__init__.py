"""Development tooling, outside the installed package: benchmarks, load test, local test server."""
