#!/bin/sh
# Builds the old-vs-new square harness: the engine at BASE (a commit, default the merge base with
# main) as module PossumBase, this worktree's engine as PossumLinalg, and the harness (main.swift,
# gemm.swift) importing both, so that both run interleaved in one process (Benchmarks/README.md,
# "Square and 104 × 17 against the roof"). Flags: the Makefile's fast ones.
#     Benchmarks/roof-square/build.sh [BASE]   →   .build/roof-square/roof-square
set -eu
cd "$(dirname "$0")/../.."
base=${1:-$(git merge-base HEAD main)}
out=.build/roof-square
flags="-O -wmo -target-cpu native -D POSSUM_NATIVE_CPU"
# The AVX-512 tile only where the CPU has it, as the Makefile decides; on an AVX2 machine the flag would
# select a tile the hardware runs through split ymm halves.
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then flags="$flags -D POSSUM_AVX512"; fi
commit=$(git rev-parse "$base")
if [ "$(cat "$out/base-commit" 2>/dev/null)" != "$commit $flags" ]; then  # the base module is rebuilt only when BASE or the flags change
    rm -rf "$out/base-src" && mkdir -p "$out/base-src"
    git archive "$base" Sources/PossumLinalg | tar -x -C "$out/base-src"
    swiftc $flags -parse-as-library -emit-module -emit-library -static -module-name PossumBase \
        "$out"/base-src/Sources/PossumLinalg/*.swift -emit-module-path "$out/PossumBase.swiftmodule" -o "$out/libPossumBase.a"
    echo "$commit $flags" > "$out/base-commit"
fi
swiftc $flags -parse-as-library -emit-module -emit-library -static -module-name PossumLinalg \
    Sources/PossumLinalg/*.swift -emit-module-path "$out/PossumLinalg.swiftmodule" -o "$out/libPossumLinalg.a"
# The peers' spec parser and loader, shared with possum-bench's --lapack.
swiftc $flags -I "$out" Benchmarks/roof-square/*.swift Benchmarks/peers/LAPACKPeer/LAPACKPeerSpec.swift \
    Sources/PossumLAPACKLoader/*.swift "$out/libPossumBase.a" "$out/libPossumLinalg.a" -o "$out/roof-square"
echo "built $out/roof-square (base $(git rev-parse --short "$base"))"
