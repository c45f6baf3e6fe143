#!/usr/bin/env bash
# Fetches the LAPACKs possum-bench times beside ours (`--lapack`) into one private folder, without installing
# or switching anything on the system (no apt-get install, no update-alternatives):
#   Intel MKL        PyPI wheel `mkl` (libmkl_rt + core, sequential, LP64/ILP64 interfaces, CPU kernels)
#   libflame + BLIS  Debian packages libflame1 and libblis4-pthread (apt-get download + dpkg -x); libflame.so.1
#                    names no BLAS, so a private copy is patched (patchelf) to need BLIS beside it
#   numpy's OpenBLAS the numpy wheel's numpy.libs/libscipy_openblas64_*.so (scipy_ prefix, 64_ suffix, ILP64)
#   Eigen            HouseholderQR (Debian's libeigen3-dev headers) behind LAPACK's names: eigen/build.sh
# and writes DEST/peers.args, the --lapack arguments for all of them. x86-64 Linux only (MKL is x86-only).
# Usage: Benchmarks/peers/fetch-peers.sh [DEST]   (default .build-peers)
set -euo pipefail
DEST=${1:-.build-peers}
MKL_SPEC=${MKL_SPEC:-mkl==2026.2.1}
NUMPY_SPEC=${NUMPY_SPEC:-numpy==2.4.6}
PYTHON=${PYTHON:-python3}
[ "$(uname -m)" = x86_64 ] || { echo "fetch-peers.sh: x86-64 only (Intel MKL has no other build)" >&2; exit 1; }
mkdir -p "$DEST/downloads"
DEST=$(cd "$DEST" && pwd)
DL=$DEST/downloads

# Debian packages: downloaded, unpacked privately (apt-get download needs the package lists: apt-get update).
( cd "$DL" && apt-get download -q libflame1 libblis4-pthread patchelf 2>&1 | { grep -v '^W: Download is performed unsandboxed' || true; } ) \
  || { echo "fetch-peers.sh: apt-get download failed (run apt-get update first?)" >&2; exit 1; }
rm -rf "$DEST/debian" && mkdir -p "$DEST/debian"
for deb in "$DL"/libflame1_*.deb "$DL"/libblis4-pthread_*.deb "$DL"/patchelf_*.deb; do dpkg -x "$deb" "$DEST/debian"; done
PATCHELF=$DEST/debian/usr/bin/patchelf
rm -rf "$DEST/flame" && mkdir -p "$DEST/flame"
cp "$DEST"/debian/usr/lib/x86_64-linux-gnu/libflame.so.1.* "$DEST/flame/libflame.so.1"
cp "$DEST/debian/usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4" "$DEST/flame/"
# libflame's BLAS calls would otherwise bind to whatever BLAS the process already has (the system OpenBLAS).
"$PATCHELF" --add-needed libblis.so.4 "$DEST/flame/libflame.so.1"
"$PATCHELF" --set-rpath '$ORIGIN' "$DEST/flame/libflame.so.1"

# Intel MKL: the wheel's shared libraries (mkl_rt finds the others in its own folder).
"$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --platform manylinux_2_28_x86_64 -d "$DL" "$MKL_SPEC"
rm -rf "$DEST/mkl" && mkdir -p "$DEST/mkl/unpacked"
unzip -q -o "$DL"/mkl-"${MKL_SPEC#mkl==}"*.whl '*/data/lib/libmkl_*' -x '*vml*' '*scalapack*' '*blacs*' '*cdft*' -d "$DEST/mkl/unpacked"
mv "$DEST"/mkl/unpacked/*/data/lib "$DEST/mkl/lib" && rm -rf "$DEST/mkl/unpacked"
MKL_RT=$(ls "$DEST"/mkl/lib/libmkl_rt.so.* | head -1)

# numpy's bundled OpenBLAS (with its libgfortran), from the CPython 3.11 manylinux wheel.
"$PYTHON" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp --abi cp311 -d "$DL" "$NUMPY_SPEC"
rm -rf "$DEST/numpy" && mkdir -p "$DEST/numpy"
unzip -q -o "$DL"/numpy-"${NUMPY_SPEC#numpy==}"-*.whl 'numpy.libs/*' -d "$DEST/numpy"
NUMPY_OPENBLAS=$(ls "$DEST"/numpy/numpy.libs/libscipy_openblas64_*.so | head -1)
NUMPY_VERSION=$(basename "$(ls "$DL"/numpy-"${NUMPY_SPEC#numpy==}"-*.whl | head -1)" | cut -d- -f2)
# libflame reports no version of its own: the Debian package's (5.2.0-4 → 5.2.0).
FLAME_VERSION=$(basename "$(ls "$DL"/libflame1_*.deb | head -1)" | cut -d_ -f2 | cut -d- -f1)

# A C++ peer that is not in the project: Eigen's HouseholderQR behind the same Fortran names (needs g++).
bash "$(dirname "$0")/eigen/build.sh" "$DEST"

cat > "$DEST/peers.args" <<ARGS
--lapack $MKL_RT
--lapack $DEST/flame/libflame.so.1:name=libflame-$FLAME_VERSION
--lapack $NUMPY_OPENBLAS:prefix=scipy_,suffix=64_,int=64,name=numpy-$NUMPY_VERSION-openblas64_
--lapack $DEST/eigen/libeigen_lapack.so
ARGS
echo "fetch-peers.sh: peers in $DEST ($(du -sh "$DEST" | cut -f1)); possum-bench arguments in $DEST/peers.args:"
cat "$DEST/peers.args"
