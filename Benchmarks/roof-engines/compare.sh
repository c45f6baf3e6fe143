#!/bin/sh
# Two engines in one process (Benchmarks/README.md, "Square and 104 × 17 against the roof"): the
# PossumLinalg of commit OLD (git archive) as module OldLinalg beside this tree's, and main.swift
# timing both on the thread's CPU clock, batched, interleaved with the kernel peak.
#
#   sh Benchmarks/roof-engines/compare.sh OLD 'M N OP DTYPE OFFSET ROUNDS' ['M N OP DTYPE OFFSET ROUNDS' …]
#   sh Benchmarks/roof-engines/compare.sh ea3c8c3 '104 17 lstsq float64 0 7' '1000 50 lstsq float64 0 5'
set -eu
old=$1; shift
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${ROOF_ENGINES_DIR:-/tmp/possum-roof-engines}
rm -rf "$work/Sources" "$work/old"
mkdir -p "$work/Sources/bench" "$work/old"
git -C "$root" archive "$old" Sources/PossumLinalg | tar -x -C "$work/old"
rm -rf "$work/old/Sources/PossumLinalg/PossumLinalg.docc"
ln -s "$work/old/Sources/PossumLinalg" "$work/Sources/OldLinalg"
ln -s "$root/Sources/PossumLinalg" "$work/Sources/PossumLinalg"
ln -s "$root/Benchmarks/roof-engines/main.swift" "$work/Sources/bench/main.swift"
cat > "$work/Package.swift" <<'PKG'
// swift-tools-version: 6.1
import PackageDescription
let package = Package(name: "roof-engines", targets: [
    .target(name: "OldLinalg"), .target(name: "PossumLinalg"),
    .executableTarget(name: "bench", dependencies: ["OldLinalg", "PossumLinalg"]),
])
PKG
cd "$work"
# The AVX-512 tile only where the CPU has it (as the Makefile does); elsewhere the native build picks AVX2.
avx512=
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then avx512="-Xswiftc -DPOSSUM_AVX512"; fi
# shellcheck disable=SC2086
swift build -c release -Xswiftc -target-cpu -Xswiftc native -Xswiftc -DPOSSUM_NATIVE_CPU $avx512 >/dev/null
for case in "$@"; do
    # shellcheck disable=SC2086
    .build/release/bench $case
done
