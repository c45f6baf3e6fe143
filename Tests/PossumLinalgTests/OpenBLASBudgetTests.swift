import PossumLinalg
@testable import PossumOpenBLAS
import Testing

/// What of OpenBLAS's buffers fits in memory (`OpenBLASBudget`): a buffer that does not fit is an
/// error before OpenBLAS is asked for it, since OpenBLAS itself retries a failed one forever.
@Suite struct OpenBLASBudgetTests {
    static let buffer = OpenBLASBudget.bufferBytes, reserve = OpenBLASBudget.reserve

    @Test func theMainBufferFitsOrIsAnError() throws {
        try OpenBLASBudget(headroom: Self.buffer + Self.reserve).admitMainBuffer()
        #expect(throws: LinalgError.self) { try OpenBLASBudget(headroom: Self.buffer + Self.reserve - 1).admitMainBuffer() }
        #expect(throws: LinalgError.self) { try OpenBLASBudget(headroom: 0).admitMainBuffer() }
    }

    /// OpenBLAS's own thread count takes the workers that fit; one asked for is all or an error.
    @Test func workersAreStartedOnlyWhenTheirBuffersFit() throws {
        let roomForOne = OpenBLASBudget(headroom: Self.reserve + Self.buffer)
        #expect(try roomForOne.threads(wanted: 4, started: 1, strict: false) == 2)
        #expect(throws: LinalgError.self) { try roomForOne.threads(wanted: 4, started: 1, strict: true) }
        #expect(try roomForOne.threads(wanted: 2, started: 1, strict: true) == 2)
        #expect(try OpenBLASBudget(headroom: 0).threads(wanted: 8, started: 1, strict: false) == 1)
        #expect(try OpenBLASBudget(headroom: 0).threads(wanted: 3, started: 4, strict: true) == 3, "fewer than started: no buffer")
        #expect(try OpenBLASBudget(headroom: 0).threads(wanted: 0, started: 1, strict: true) == 1)
    }

    /// OpenBLAS is loaded by the first call and says what it is.
    @Test func theLibraryLoadsOnFirstUse() throws {
        #expect(openBLASConfiguration.hasPrefix("OpenBLAS "))
        let x = try OpenBLASSolver().dgels(Matrix(rows: 3, columns: 1, columnMajor: [1, 1, 1]), [1, 2, 3])
        #expect(abs(x[0] - 2) < 1e-14)
    }
}
