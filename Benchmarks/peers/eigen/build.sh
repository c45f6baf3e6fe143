#!/usr/bin/env bash
# Builds Benchmarks/peers/eigen/eigen_lapack.cpp into DEST/eigen/libeigen_lapack.so against Eigen's headers from
# Debian's libeigen3-dev, downloaded and unpacked under DEST (nothing installed). -march=native, like our build.
# Usage: Benchmarks/peers/eigen/build.sh [DEST]   (default .build-peers)
set -euo pipefail
DEST=${1:-.build-peers}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$DEST/downloads" "$DEST/eigen"
DEST=$(cd "$DEST" && pwd)
( cd "$DEST/downloads" && apt-get download -q libeigen3-dev 2>&1 | { grep -v '^W: Download is performed unsandboxed' || true; } ) \
  || { echo "eigen/build.sh: apt-get download libeigen3-dev failed (run apt-get update first?)" >&2; exit 1; }
dpkg -x "$(ls "$DEST"/downloads/libeigen3-dev_*.deb | head -1)" "$DEST/eigen/root"
${CXX:-g++} -O3 -march=native -DNDEBUG -fPIC -shared -std=c++17 -I "$DEST/eigen/root/usr/include/eigen3" \
  -o "$DEST/eigen/libeigen_lapack.so" "$HERE/eigen_lapack.cpp"
echo "eigen/build.sh: $DEST/eigen/libeigen_lapack.so"
