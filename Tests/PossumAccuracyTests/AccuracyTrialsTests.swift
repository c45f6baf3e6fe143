import PossumAccuracy
import PossumLinalg
import Testing

/// The statistical study's pieces: the distribution summary and the family generators.
@Suite struct AccuracyTrialsTests {
    /// Mean, type-7 quantiles and tail fractions of a small known sample.
    @Test func differenceSummaryOfKnownSample() throws {
        let d = try #require(LREDifference([2, -1, 1, 0]))
        #expect(d.count == 4 && d.mean == 0.5 && d.median == 0.5)
        #expect(abs(d.p5 - (-0.85)) < 1e-12 && abs(d.p95 - 1.85) < 1e-12)   // −1 + 0.15·1, 1 + 0.85·1
        #expect(d.fractionWorse == 0.25 && d.fractionBetter == 0.5)
        #expect(abs(d.standardError - (5.0 / 3 / 4).squareRoot()) < 1e-12)  // s² = 5/3
        #expect(LREDifference([]) == nil)
    }

    /// The corpus problems are single draws of the families: the defaults reproduce them.
    @Test func corpusProblemsAreFamilyMembers() {
        let corpus = Dictionary(uniqueKeysWithValues: AccuracyCorpus.all().map { ($0.name, $0) })
        let graded = AccuracyCorpus.gradedColumns(decades: 8, seed: 107)
        #expect(graded.a == corpus["graded-1e±8"]!.a && graded.b == corpus["graded-1e±8"]!.b)
        #expect(AccuracyCorpus.kahan(n: 16, theta: 1.2, rhsSeed: 114).b == corpus["kahan-16"]!.b)
    }

    /// Different trials get different instances; the same seed gets the same ones.
    @Test func instancesAreSeededAndDistinct() {
        let f = AccuracyFamily.gradedRows(decades: 4)
        let (s0, s1) = (AccuracyFamily.instanceSeed(1, trial: 0), AccuracyFamily.instanceSeed(1, trial: 1))
        #expect(s0 != s1)
        #expect(f.make(s0).a == f.make(s0).a && f.make(s0).a != f.make(s1).a)
    }

    /// A run scores every instance for every solver asked for (kahan: none refuses).
    @Test func runScoresEveryInstance() {
        let result = AccuracyTrials.run(AccuracyFamily.kahan(), trials: 3, seed: 5, solvers: [.simd, .dgels])
        #expect(result.lre[.simd]?.count == 3 && result.refusals(.simd) == 0)
        #expect(result.difference(.simd, .dgels)?.count == 3)
    }
}
