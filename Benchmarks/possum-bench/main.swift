// Placeholder until the benchmark executable lands (issue: performance).
print("possum-bench: not implemented yet")
