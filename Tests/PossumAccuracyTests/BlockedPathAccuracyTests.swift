import PossumAccuracy
import PossumLinalg
import Testing

/// The fast unpivoted solver's blocked path (n > 64) loses no more than a quarter digit or so to
/// LAPACK on average, and no more than it does today.
///
/// Two backward-stable solvers differ on one ill-conditioned instance by rounding luck (about
/// ±0.7 digits at the 5th/95th percentiles), so the claim is about the mean over seeded
/// instances. dgels's QR at this width is the unblocked `dgeqr2`; a blocked QR's error grows with
/// the block (I − V·T·Vᵀ is applied through |V|·|T|·|V|ᵀ, Higham §19.5), and ours trails it by
/// −0.23 ± 0.06 digits on these 60 instances (−0.26…−0.33 over 160 instances of other seeds),
/// while the unblocked path is level with it (−0.03…+0.05). The floor, −0.30, fails for the two
/// regressions measured: W = VᵀC summed in one chain of 256 terms (−0.35 on these instances;
/// `reflectorProductChunk`) and T formed from a micro-kernel Gram product (−0.35). The oracle is the double-double Householder solve (tested against the exact
/// rational one): its error, ~κ²·ε_dd ≈ 1e-16 relative, is eight digits below both solvers' (~1e-7).
@Suite struct BlockedPathAccuracyTests {
    @Test func blockedUpdateKeepsUpWithDgels() throws {
        let family = AccuracyFamily.conditioned(rows: 160, columns: 66, log10Condition: 8)
        let result = AccuracyTrials.run(family, trials: 60, seed: 11, solvers: [.blocked32, .dgels])
        let d = try #require(result.difference(.blocked32, .dgels))
        #expect(d.mean >= -0.30, "blocked nb = 32: mean LRE − dgels = \(d.mean) ± \(d.standardError)")
    }
}
