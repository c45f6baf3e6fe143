import Foundation
@testable import PossumML
import PossumData
import PossumLinalg
import Testing

/// Finite data gives finite statistics (scaled sums), and what cannot be represented is refused
/// with the row that causes it, never returned as inf or NaN.
@Suite struct OverflowTests {
    /// A well-posed ridge problem: y = X·β + noise, columns of different sizes.
    func problem(rows n: Int = 60, columns p: Int = 4, seed: UInt64 = 7) -> (x: Matrix, y: [Double]) {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var x = Matrix(rows: n, columns: p)
        for j in 0..<p { for i in 0..<n { x[i, j] = next() * Double(j + 1) } }
        let y = (0..<n).map { i in (0..<p).reduce(0.3 * next()) { $0 + x[i, $1] * Double($1 + 2) } }
        return (x, y)
    }

    @Test func scalerOfAColumnHoldingAHugeValueIsFinite() throws {
        for huge in [1.1e199, 1e308, 1.7976931348623157e308] {
            var x = Matrix(rows: 4, columns: 2)
            for i in 0..<4 { x[i, 1] = Double(i + 1) }
            x[0, 0] = huge
            let scaler = try StandardScaler(fitting: x, names: ["big", "small"])
            // Values (h, 0, 0, 0): mean h/4, population std h·√3/4.
            #expect(scaler.mean[0] == huge / 4)
            #expect(abs(scaler.scale[0] - huge / 4 * 3.0.squareRoot()) <= 4e-16 * huge)
            let z = scaler.transform(x)
            #expect(abs(z[0, 0] - 3.0.squareRoot()) < 1e-14)
            #expect(abs(z[1, 0] + 1 / 3.0.squareRoot()) < 1e-14)
        }
    }

    @Test func scalerGivesThePlainFormulasBitsOnOrdinaryData() throws {
        let (x, _) = problem()
        let scaler = try StandardScaler(fitting: x, names: ["a", "b", "c", "d"])
        for j in 0..<x.columns {
            let mean = (0..<x.rows).reduce(0) { $0 + x[$1, j] } / Double(x.rows)
            let variance = (0..<x.rows).reduce(0) { s, i in let d = x[i, j] - mean; return s + d * d } / Double(x.rows)
            #expect(scaler.mean[j] == mean)
            #expect(scaler.scale[j] == variance.squareRoot())
        }
    }

    @Test func tinyColumnIsNotMistakenForAConstantOne() throws {
        var x = Matrix(rows: 3, columns: 1)
        (x[0, 0], x[1, 0], x[2, 0]) = (1e-170, 2e-170, 3e-170)  // squares underflow to 0 unscaled
        let scaler = try StandardScaler(fitting: x, names: ["tiny"])
        #expect(abs(scaler.scale[0] - (2.0 / 3).squareRoot() * 1e-170) <= 1e-15 * 1e-170)
    }

    @Test func transformOfAValueNearTheLargestDoubleIsFinite() {
        let scaler = StandardScaler(mean: [-1e308], scale: [1e308])
        var x = Matrix(rows: 1, columns: 1)
        x[0, 0] = 1e308  // x − mean overflows; z is 2
        #expect(scaler.transform(x)[0, 0] == 2)
    }

    @Test func hugeTargetIsRefusedByRow() {
        let (x, y) = problem()
        for huge in [1e160, 1e200, 1e300] {
            var bad = y
            bad[17] = huge
            #expect(throws: RidgeCVError.targetTooLarge(row: 17)) { try RidgeCV().fit(x, bad, solver: SIMDSolver()) }
        }
    }

    /// Ridge is linear in y: a target scaled by 2^k gives coefficients, intercept and LOO RMSE
    /// scaled by 2^k and the same α and R², even where the plain total sum of squares would
    /// overflow (k = 508, 510: R² came out as exactly 1 from rss/inf).
    @Test func tinyTargetWhoseErrorsUnderflowIsRefusedByRow() {
        let (x, y) = problem()
        let mean = y.reduce(0, +) / Double(y.count)
        let farthest = y.indices.max { abs(y[$0] - mean) < abs(y[$1] - mean) } ?? 0
        #expect(throws: RidgeCVError.targetTooSmall(row: farthest)) { try RidgeCV().fit(x, y.map { $0 * 1e-170 }, solver: SIMDSolver()) }
    }

    @Test(arguments: [-500, 470, 508, 510])
    func scaledTargetGivesTheScaledFit(k: Int) throws {
        let (x, y) = problem()
        let factor = Double(sign: .plus, exponent: k, significand: 1)
        let reference = try RidgeCV().fit(x, y, solver: SIMDSolver())
        let scaled = try RidgeCV().fit(x, y.map { $0 * factor }, solver: SIMDSolver())
        #expect(scaled.alphaIndex == reference.alphaIndex)
        #expect(abs(scaled.trainR2 - reference.trainR2) <= 1e-14)
        #expect(abs(scaled.intercept / factor - reference.intercept) <= 1e-12 * max(1, abs(reference.intercept)))
        for (a, b) in zip(scaled.coefficients, reference.coefficients) { #expect(abs(a / factor - b) <= 1e-12 * abs(b)) }
        #expect(abs(scaled.looRMSE / factor - reference.looRMSE) <= 1e-12 * reference.looRMSE)
        #expect(scaled.looMeanSquaredErrors.allSatisfy { $0.isFinite && $0 >= 0 })
    }

    @Test func nonFiniteOrHugeFeatureIsRefusedByRowAndColumn() {
        var (x, y) = problem()
        x[5, 2] = 1e300
        #expect(throws: RidgeCVError.featureTooLarge(row: 5, column: 2)) { try RidgeCV().fit(x, y, solver: SIMDSolver()) }
        (x, y) = problem()
        y[3] = .nan
        #expect(throws: RidgeCVError.targetNotFinite(row: 3)) { try RidgeCV().fit(x, y, solver: SIMDSolver()) }
    }

    @Test func constantTargetHasRSquaredOneNotNaN() throws {
        let (x, _) = problem()
        let fit = try RidgeCV(alphas: [1]).fit(x, [Double](repeating: 2.5, count: x.rows), solver: SIMDSolver())
        #expect(fit.trainR2 == 1)
        #expect(fit.intercept == 2.5)
    }

    @Test func accuracyFiguresOfHugeValuesAreFinite() {
        let truth = [1e200, -1e200, 3e200], predicted = [1.1e200, -0.9e200, 2.9e200]
        let rmse = rootMeanSquareError(truth: truth, predicted: predicted)
        #expect(abs(rmse - 1e199) <= 1e-14 * 1e199)
        // Σr² = 3·(0.1e200)², Σ(t − t̄)² = 0 + (2e200)² + (2e200)²: both overflow unscaled.
        #expect(abs(coefficientOfDetermination(truth: truth, predicted: predicted) - (1 - 0.03 / 8)) <= 1e-14)
        // A difference that overflows on its own (1e308 − (−1e308)) still gives a finite RMSE.
        #expect(rootMeanSquareError(truth: [1e308, 0, 0, 0], predicted: [-1e308, 0, 0, 0]) == 1e308)
    }

    @Test func accuracyFiguresGiveThePlainFormulasBitsOnOrdinaryData() {
        let truth = [36.0, 36.5, 39, 38, 36, 37.5], predicted = [36.4, 36.1, 38.2, 38.3, 36.9, 37.0]
        let plainRMSE = (zip(truth, predicted).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / 6).squareRoot()
        #expect(rootMeanSquareError(truth: truth, predicted: predicted) == plainRMSE)
        let mean = truth.reduce(0, +) / 6
        let plainR2 = 1 - zip(truth, predicted).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / truth.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        #expect(coefficientOfDetermination(truth: truth, predicted: predicted) == plainR2)
    }

    @Test func predictionThatOverflowsNamesItsRowAndColumn() throws {
        let train = try CSVTable.parse("a,b,y\n1,5,2\n2,3,4\n3,8,5\n4,1,9\n5,2,11\n", source: "t.csv")
        let spec = FeatureSpec(target: "y")
        var design = try spec.design(from: train)
        let transform = try FeatureTransform(fitting: design, spec: spec)
        transform.scaler.transform(inPlace: &design.x)
        let fit = try RidgeCV(alphas: [1e-3]).fit(design.x, design.y, solver: SIMDSolver())
        let model = RidgeModel(transform: transform, fit: fit, alphas: [1e-3], solver: "simd", trainingDataSHA256: "",
                               trainingRows: 5, created: "", possumVersion: "")
        let ok = try model.predict(try CSVTable.parse("a,b\n1e30,2\n", source: "p.csv"))
        #expect(ok.predictions.allSatisfy { $0.isFinite })
        let table = try CSVTable.parse("a,b\n1,2\n1.7e308,2\n", source: "p.csv")
        #expect(throws: DataError.self) { try model.predict(table) }
        do {
            _ = try model.predict(table)
        } catch let error as DataError {
            #expect(error.file == "p.csv" && error.line == 3 && error.column == "a", "\(error)")
        }
    }
}

/// The row-block passes of RidgeCV agree with one unblocked pass whatever the block size —
/// including blocks shorter than the p + 1 columns of [X_c | y_c].
@Suite struct RowBlockTests {
    func problem(rows n: Int, columns p: Int) -> (x: Matrix, y: [Double]) {
        var state: UInt64 = 11
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        var x = Matrix(rows: n, columns: p)
        for j in 0..<p { for i in 0..<n { x[i, j] = next() } }
        return (x, (0..<n).map { i in (0..<p).reduce(next()) { $0 + x[i, $1] } })
    }

    @Test(arguments: [(60, 30, 8), (45, 44, 7), (200, 50, 64), (31, 30, 1)])
    func blocksShorterThanTheWidthGiveTheUnblockedTriangle(n: Int, p: Int, block: Int) throws {
        let (x, y) = problem(rows: n, columns: p)
        let means = (0..<p).map { j in (0..<n).reduce(0) { $0 + x[$1, j] } / Double(n) }
        let yMean = y.reduce(0, +) / Double(n)
        let yc = y.map { $0 - yMean }
        let blocked = try RidgeCV.centeredTriangle(x, means: means, yc: yc, solver: SIMDSolver(), blockRows: block)
        let whole = try RidgeCV.centeredTriangle(x, means: means, yc: yc, solver: SIMDSolver(), blockRows: n)
        // R is unique up to the signs of its rows: compare row by row after fixing the diagonal's sign.
        for i in 0..<p {
            let s = (blocked.r0[i, i] < 0) == (whole.r0[i, i] < 0) ? 1.0 : -1.0
            for j in i..<p { #expect(abs(s * blocked.r0[i, j] - whole.r0[i, j]) <= 1e-10 * max(1, abs(whole.r0[i, j]))) }
            #expect(abs(s * blocked.c0[i] - whole.c0[i]) <= 1e-10 * max(1, abs(whole.c0[i])))
        }
    }

    @Test func fitWithSmallBlocksMatchesTheDefault() throws {
        let (x, y) = problem(rows: 300, columns: 100)
        var small = RidgeCV(alphas: logspace(-2, 2, count: 5))
        small.rowsPerBlock = 64
        let a = try small.fit(x, y, solver: SIMDSolver())
        let b = try RidgeCV(alphas: logspace(-2, 2, count: 5)).fit(x, y, solver: SIMDSolver())
        #expect(a.alphaIndex == b.alphaIndex)
        for (u, v) in zip(a.coefficients, b.coefficients) { #expect(abs(u - v) <= 1e-10 * max(1, abs(v))) }
        for (u, v) in zip(a.looMeanSquaredErrors, b.looMeanSquaredErrors) { #expect(abs(u - v) <= 1e-10 * v) }
        #expect(abs(a.intercept - b.intercept) <= 1e-10)
    }
}
