// possum-bench: our SIMD Householder QR against OpenBLAS's LAPACK, side by side in one process.
// See Benchmarks/README.md for what is timed and how to read the figures.
PossumBench.main()
