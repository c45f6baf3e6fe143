@testable import PossumWorkflows
import Testing

/// The one-line summary `predict` prints: singular and plural as the counts say.
@Suite struct PredictionSummaryTests {
    @Test func countsReadAsEnglish() {
        #expect(PredictionJob.summary(count: 1, skipped: 1, r2: nil, rmse: nil) == "1 prediction (1 row skipped: missing features)\n")
        #expect(PredictionJob.summary(count: 3, skipped: 2, r2: nil, rmse: nil) == "3 predictions (2 rows skipped: missing features)\n")
        #expect(PredictionJob.summary(count: 0, skipped: 0, r2: nil, rmse: nil) == "0 predictions\n")
    }
}
