import Foundation
@testable import PossumPlot
import Testing
@testable import PossumTracking

/// `possum report`'s page: the LOO curve against alpha, the pictures, the sortable runs table,
/// the legend, and escaping of every string that came from the store.
@Suite struct HTMLReportTests {
    static let alphas = (0..<30).map { pow(10, -3 + 4 * Double($0) / 29) }

    /// A finished run as `possum train` logs it: params, plain metrics, and the two LOO histories.
    @discardableResult
    func logTraining(_ store: FileTrackingStore, name: String, chosen: Int, params: [String: String] = [:],
                     picture: String? = nil) throws -> RunInfo {
        let run = try store.startRun(experimentID: "0", name: name)
        for (k, v) in params { try store.logParam(runID: run.runID, key: k, value: v) }
        for (k, alpha) in Self.alphas.enumerated() {
            // A valley with its bottom at grid point `chosen`.
            let rmse = 1 + 0.01 * Double((k - chosen) * (k - chosen))
            try store.logMetric(runID: run.runID, key: LeaveOneOutCurve.errorKey, value: rmse, step: Int64(k), timestamp: nil)
            try store.logMetric(runID: run.runID, key: LeaveOneOutCurve.alphaKey, value: alpha, step: Int64(k), timestamp: nil)
        }
        try store.logMetric(runID: run.runID, key: "alpha", value: Self.alphas[chosen], step: 0, timestamp: nil)
        try store.logMetric(runID: run.runID, key: "loo_rmse", value: 1, step: 0, timestamp: nil)
        try store.logMetric(runID: run.runID, key: "train_r2", value: 0.7, step: 0, timestamp: nil)
        if let picture {
            let file = NSTemporaryDirectory() + "possum-picture-\(UUID().uuidString)/predicted_vs_true.svg"
            try writeFile(file, picture)
            _ = try store.logArtifact(runID: run.runID, file: file, artifactPath: nil)
        }
        _ = try store.endRun(runID: run.runID, status: .finished, endTime: nil)
        return run
    }

    /// The `points` of every polyline of the page, as lists of coordinate pairs.
    func polylines(_ page: String) -> [[String]] {
        page.components(separatedBy: "<polyline").dropFirst().compactMap { chunk in
            guard let start = chunk.range(of: "points=\"") else { return nil }
            let rest = chunk[start.upperBound...]
            return rest.prefix { $0 != "\"" }.split(separator: " ").map(String.init)
        }
    }

    @Test func looCurveHasOnePointPerAlphaLogTicksAndTheChosenAlphaMarked() throws {
        let (store, _) = try makeStore()
        let a = try logTraining(store, name: "ridge-small", chosen: 10)
        let b = try logTraining(store, name: "ridge-large", chosen: 20)
        let page = try renderReport(store)
        #expect(page.contains("Leave-one-out RMSE against alpha"))
        // One curve per run, one vertex per alpha of the grid.
        #expect(polylines(page).filter { $0.count == Self.alphas.count }.count == 2)
        // Decades labeled on the log axis (the grid spans 1e-3…10).
        for label in ["0.001", "0.01", "0.1", "1", "10"] {
            #expect(page.contains("class=\"xtick\"") && page.contains(">\(label)</text>"), "x tick \(label)")
        }
        #expect(page.components(separatedBy: "class=\"ytick\"").count > 3)
        #expect(page.components(separatedBy: "class=\"marked\"").count == 3)
        // The legend names each run and its short id, with the alpha it chose.
        for (run, alpha) in [(a, Self.alphas[10]), (b, Self.alphas[20])] {
            #expect(page.contains(">\(run.runName) (\(run.runID.prefix(8)))  α = \(String(format: "%.3g", alpha))</text>"))
        }
    }

    @Test func runsTableIsSortableWithEveryParamAndMetricAndNoCurveColumns() throws {
        let (store, _) = try makeStore()
        try logTraining(store, name: "one", chosen: 3, params: ["solver": "simd", "data": String(repeating: "d", count: 300)])
        try logTraining(store, name: "two", chosen: 5, params: ["solver": "openblas", "n_rows": "101"])
        let page = try renderReport(store)
        #expect(page.contains("<table class=\"runs sortable\">") && page.contains("table.sortable") && page.contains("addEventListener(\"click\""))
        for key in ["data", "n_rows", "solver"] {
            #expect(page.contains("<th class=param title=\"\(key)\">\(key.replacingOccurrences(of: "_", with: "_<wbr>"))</th>"))
        }
        for key in ["alpha", "loo_rmse", "train_r2"] {
            #expect(page.contains("<th class=metric title=\"\(key)\">\(key.replacingOccurrences(of: "_", with: "_<wbr>"))</th>"))
        }
        // The per-alpha histories are the chart, not columns.
        #expect(!page.contains("title=\"\(LeaveOneOutCurve.errorKey)\"") && !page.contains("title=\"\(LeaveOneOutCurve.alphaKey)\""))
        // A long value is cut on the page; the whole value is its tooltip; numbers sort as numbers.
        #expect(page.contains("title=\"\(String(repeating: "d", count: 300))\"") && !page.contains(">\(String(repeating: "d", count: 300))<"))
        #expect(page.contains("data-sort=\"101\""))
        #expect(page.contains("overflow-wrap:anywhere") && page.contains("max-width:1360px"))
    }

    @Test func predictedVersusTruePictureIsEmbeddedAsAnImage() throws {
        let (store, _) = try makeStore()
        let picture = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><script>alert(1)</script></svg>"
        let run = try logTraining(store, name: "pictured", chosen: 4, picture: picture)
        try logTraining(store, name: "plain", chosen: 4)
        let page = try renderReport(store)
        #expect(page.contains("<h3>Predicted vs true</h3>"))
        #expect(page.contains("src=\"data:image/svg+xml;base64,\(Data(picture.utf8).base64EncodedString())\""))
        #expect(page.contains("<figcaption>pictured (\(run.runID.prefix(8)))</figcaption>"))
        // The file's script travels base64-encoded inside an image, which runs no script.
        #expect(!page.contains("<script>alert"))
        #expect(page.components(separatedBy: "<figure class=picture>").count == 2)
    }

    @Test func hostileNamesAndValuesAreEscapedEverywhere() throws {
        let (store, _) = try makeStore()
        let hostile = "<img src=x onerror=alert(1)>\"'&"
        try logTraining(store, name: hostile, chosen: 2, params: ["solver": hostile], picture: "<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
        let page = try renderReport(store)
        #expect(!page.contains("<img src=x"))
        #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"))
        #expect(!page.contains("\"'&"))
    }

    @Test func logAxisLabelsDecadesAndSkipsUndrawablePoints() {
        #expect(LogAxis(0.001, 10).major.map(decadeLabel) == ["0.001", "0.01", "0.1", "1", "10"])
        #expect(LogAxis(1e-12, 1e12).major.count <= 13)
        #expect(LogAxis(5, 5).major.map(decadeLabel) == ["1", "10"])
        let chart = LineChart(series: [.init(name: "s", points: [.init(x: 0, y: 1), .init(x: -1, y: 1), .init(x: .nan, y: 2),
                                                                 .init(x: 1, y: .infinity), .init(x: 1, y: 2), .init(x: 10, y: 3)])],
                              xLabel: "x", yLabel: "y", logX: true)
        let svg = chart.svg()
        #expect(svg.contains("points=\"") && !svg.contains("nan") && !svg.contains("inf"))
        #expect(LineChart(series: [.init(name: "empty", points: [.init(x: -1, y: 1)])], xLabel: "x", yLabel: "y", logX: true).svg().isEmpty)
        #expect(shortened("abcdefghijklmnopqrstuvwxyz", 9) == "abcd…wxyz")
    }
}
