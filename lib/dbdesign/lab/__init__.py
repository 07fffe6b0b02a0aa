"""The index lab: data generation, workloads, plans, timing, the advisor, constraint probes."""
