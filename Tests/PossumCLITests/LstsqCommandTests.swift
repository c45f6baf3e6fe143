import Foundation
import Testing

/// `possum lstsq` on wide problems, hostile magnitudes and negative option values.
@Suite struct LstsqCommandTests {
    static func write(_ text: String, _ name: String, in dir: URL) throws {
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    /// 2 × 4000 with every solver: O(m²n) now (it was n³ time and n² memory on simd and naive:
    /// 2 × 2500 took 9.7 s in release). A generous bound for a debug build: 10 CPU seconds each,
    /// the child's own CPU time, which a loaded host does not stretch as it does the wall clock.
    @Test func wideProblemIsSolvedQuicklyWithoutADeficiencyWarning() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let n = 4000
        let row0 = (0..<n).map { String(Double($0 % 7) - 3) }.joined(separator: ",")
        let row1 = (0..<n).map { String(Double($0 % 5) + 0.5) }.joined(separator: ",")
        try Self.write(row0 + "\n" + row1 + "\n", "A.csv", in: dir)
        try Self.write("1\n2\n", "b.csv", in: dir)
        for solver in ["simd", "naive", "openblas"] {
            let (p, cpu) = try PossumProcess.runCountingCPU(["lstsq", "A.csv", "b.csv", "--solver", solver], in: dir)
            #expect(cpu < 10, "\(solver): \(cpu) CPU s")
            #expect(p.status == 0, "\(solver): \(p.stderr)")
            #expect(p.stdout.split(separator: "\n").count == n)
            // Rank 2 of 2 rows is full rank for a wide A: nothing to warn about.
            #expect(!p.stderr.contains("rank-deficient"), "\(solver): \(p.stderr)")
        }
        // A wide A with dependent rows is reported against its rows.
        try Self.write(row0 + "\n" + row0 + "\n", "D.csv", in: dir)
        let d = try PossumProcess.run(["lstsq", "D.csv", "b.csv"], in: dir)
        #expect(d.status == 0 && d.stderr.contains("rank-deficient (numerical rank 1 of 2 rows)"), "\(d.stderr)")
    }

    /// `--rcond -1` is a value (machine precision, as in LAPACK), not a missing one; a non-finite
    /// or ≥ 1 tolerance is refused.
    @Test func rcondTakesNegativeValuesAndRefusesNonFinite() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write("1,0\n0,1\n1,1\n", "A.csv", in: dir)
        try Self.write("1\n2\n4\n", "b.csv", in: dir)
        let negative = try PossumProcess.run(["lstsq", "A.csv", "b.csv", "--rcond", "-1"], in: dir)
        #expect(negative.status == 0, "\(negative.stderr)")
        #expect(negative.stdout.split(separator: "\n").count == 2)
        for bad in ["nan", "inf", "-inf", "1", "1e400"] {
            let p = try PossumProcess.run(["lstsq", "A.csv", "b.csv", "--rcond", bad], in: dir)
            #expect(p.status != 0 && !p.crashed && p.stderr.contains("--rcond must be a finite number below 1"), "\(bad): \(p.stderr)")
        }
        let help = try PossumProcess.run(["lstsq", "--help"], in: dir)
        #expect(help.stdout.contains("negative TOL means"))
    }

    /// Finite values near Double's limits: a correct answer or a one-line refusal naming the file
    /// and column, never ±∞/NaN printed, never a trap, for every solver.
    @Test func hugeAndTinyValuesGiveAnAnswerOrARefusal() throws {
        let dir = try PossumProcess.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Column 1's norm overflows (its entries are near the largest double); x₁ = 2⁻¹⁰²³·(…).
        try Self.write("1.7e308,1\n1.7e308,-1\n1.7e308,3\n", "big.csv", in: dir)
        try Self.write("1e308\n-1e308\n1e308\n", "bigb.csv", in: dir)
        // x would be 1e300/1e-300: beyond the range of Double.
        try Self.write("1e-300,0\n0,1e-300\n", "tiny.csv", in: dir)
        try Self.write("1e300\n1e300\n", "tinyb.csv", in: dir)
        for solver in ["simd", "naive", "openblas"] {
            let big = try PossumProcess.run(["lstsq", "big.csv", "bigb.csv", "--solver", solver], in: dir)
            #expect(big.status == 0 && !big.crashed, "\(solver): \(big.stderr)")
            let x = big.stdout.split(separator: "\n").compactMap { Double($0) }
            #expect(x.count == 2 && x.allSatisfy(\.isFinite), "\(solver): \(big.stdout)")
            let tiny = try PossumProcess.run(["lstsq", "tiny.csv", "tinyb.csv", "--solver", solver], in: dir)
            #expect(tiny.status == 1 && !tiny.crashed && tiny.stdout.isEmpty, "\(solver): \(tiny.stdout) \(tiny.stderr)")
            #expect(tiny.stderr.contains("tiny.csv: ") && tiny.stderr.contains("column 1 of A"), "\(solver): \(tiny.stderr)")
            #expect(tiny.stderr.split(separator: "\n").count == 1, "\(solver): \(tiny.stderr)")
        }
        // A = 0: x = 0, but ‖b‖ = √3·1.7e308 does not fit; the refusal names b's file.
        try Self.write("0,0\n0,0\n0,0\n", "zero.csv", in: dir)
        try Self.write("1.7e308\n1.7e308\n1.7e308\n", "maxb.csv", in: dir)
        let residual = try PossumProcess.run(["lstsq", "zero.csv", "maxb.csv"], in: dir)
        #expect(residual.status == 1 && residual.stderr.contains("maxb.csv: the residual norm"), "\(residual.stderr)")
    }
}
