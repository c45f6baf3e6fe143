import PossumAccuracy
import PossumLinalg
import Testing

/// The fast unpivoted solver's blocked path loses no digits to LAPACK on average.
///
/// Two backward-stable solvers differ on one ill-conditioned instance by rounding luck (about
/// ±0.7 digits at the 5th/95th percentiles), so the claim is about the mean over many seeded
/// instances: mean LRE(ours) − LRE(dgels) ≥ −0.25 digits (dgels's QR at these widths is the
/// unblocked `dgeqr2`). What it guards: the long sums of the level-3 update W = VᵀC. Summed in
/// one chain of 256 terms (the product's cache chunk) they cost −0.38 ± 0.04 digits on the
/// 160 × 66 family; in chunks of `reflectorProductChunk` = 64, −0.11 ± 0.03 (160 instances, in
/// release builds). The oracle is the double-double Householder solve (tested against the exact
/// rational one): its error, ~κ²·ε_dd ≈ 1e-16 relative, is eight digits below both solvers' (~1e-7).
@Suite struct BlockedPathAccuracyTests {
    @Test func blockedUpdateKeepsUpWithDgels() throws {
        let family = AccuracyFamily.conditioned(rows: 160, columns: 66, log10Condition: 8)
        let result = AccuracyTrials.run(family, trials: 60, seed: 11, solvers: [.blocked32, .dgels])
        let d = try #require(result.difference(.blocked32, .dgels))
        #expect(d.mean >= -0.25, "blocked nb = 32: mean LRE − dgels = \(d.mean) ± \(d.standardError)")
    }
}
