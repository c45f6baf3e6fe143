// The one place that picks the kernels per architecture. Adding a kernel (AVX-512, NEON) is one
// new file conforming to `MicroKernel` (and, if its level-2 loops differ, to `HouseholderKernels`)
// plus one line here.
//
// Swift cannot test the compiler's target features, so the x86-64 choice between the tiles is a
// compilation condition: the Makefile's SWIFT_NATIVE adds -DPOSSUM_AVX512 beside -target-cpu native
// when the build machine has AVX-512. Both tiles give the same bits; only the speed differs.

#if arch(x86_64) && POSSUM_AVX512
/// The level-3 tile of this architecture: (2·lanes) × 6, sized for AVX-512's 32 zmm registers.
public typealias NativeTile<T: QRScalar> = AVX512Tile<T>
/// 64-byte vectors (`QRScalar.Vector`) the vector registers hold: 32 zmm.
let nativeVectorRegisters = 32
#elseif arch(x86_64)
/// The level-3 tile of this architecture: lanes × 6, sized for AVX2's 16 ymm registers.
/// (`AVX2TallTile`, the same bits, is faster in L1 on Zen 3 but measured within the noise in the QR:
/// Benchmarks/README.md, "Square on the AVX2 guest".)
public typealias NativeTile<T: QRScalar> = AVX2Tile<T>
/// 64-byte vectors (`QRScalar.Vector`) the vector registers hold: 16 ymm, two to a vector.
let nativeVectorRegisters = 8
#elseif arch(arm64)
/// The level-3 tile of this architecture: the portable lanes × 4 (no NEON tile yet).
public typealias NativeTile<T: QRScalar> = PortableTile<T>
/// 64-byte vectors (`QRScalar.Vector`) the vector registers hold: 32 NEON registers, four to a vector.
let nativeVectorRegisters = 8
#else
/// The level-3 tile of this architecture: the portable lanes × 4.
public typealias NativeTile<T: QRScalar> = PortableTile<T>
/// 64-byte vectors (`QRScalar.Vector`) the vector registers hold: assumed as few as AVX2's.
let nativeVectorRegisters = 8
#endif

/// Widest pass of the TSQR leaf's pair sweep (`VectorKernels.applyStructuredPair`): each column of a
/// pass holds two vector dot sums, so eight columns fit 32 registers; with 8, past two columns the sums
/// spill to the stack (Benchmarks/README.md, "Tall-skinny on the AVX2 guest").
let structuredPairPassWidth = nativeVectorRegisters >= 24 ? 8 : 2

/// `InnerProductBlock` on half vectors (`InnerProductHalves`, 3 × 3 blocks, 9 registers of sums) where a
/// 4 × 4 block of whole vectors (16 sums, two registers each below 24) would not fit the registers.
let innerProductHalfVectors = nativeVectorRegisters < 24

/// `RankUpdateBlock` by tiles of C in registers (`RankUpdateTiles`, 12 sums) where `pair`'s 16 broadcast
/// weights and its sums (two registers each below 24) would not fit the registers.
let rankUpdateTiles = nativeVectorRegisters < 24

/// The kernels every fast path runs with: 64-byte SIMD level-1/2 loops and this architecture's tile.
public typealias NativeKernels<T: QRScalar> = VectorKernels<T, NativeTile<T>>
