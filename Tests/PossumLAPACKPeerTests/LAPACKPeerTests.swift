import Foundation
import PossumLAPACKPeer
import PossumLinalg
import PossumTestSupport
import Testing

/// possum-bench's `--lapack` loader, on the system's own LAPACK (Debian: OpenBLAS behind liblapack.so.3).
@Suite(.serialized) struct LAPACKPeerTests {
    static let systemLAPACK: String? = [
        "/usr/lib/x86_64-linux-gnu/liblapack.so.3", "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/liblapack.so.3", "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
    ].first { FileManager.default.fileExists(atPath: $0) }

    /// ω = ‖Aᵀr‖₂ / (‖A‖_F·(‖A‖_F·‖x‖₂ + ‖r‖₂)), r = b − Ax: O(ε) for a backward-stable solve (possum-bench's measure).
    static func backwardError(_ a: Matrix, _ b: [Double], _ x: [Double]) -> (omega: Double, tanTheta: Double) {
        let ax = a.multiplied(by: x)
        let r = zip(b, ax).map { $0 - $1 }
        let atr = (0..<a.columns).map { j in (0..<a.rows).reduce(0.0) { $0 + a[$1, j] * r[$1] } }
        func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let normA = a.frobeniusNorm
        return (norm(atr) / (normA * (normA * norm(x) + norm(r))), norm(r) / norm(ax))
    }

    @Test(arguments: [LAPACKPeerSpec.LeastSquares.qr, .gels])
    func systemLAPACKAgreesWithOurs(method: LAPACKPeerSpec.LeastSquares) throws {
        let path = try #require(Self.systemLAPACK, "no system LAPACK (libopenblas-dev) found")
        var spec = LAPACKPeerSpec(path: path)
        spec.leastSquares = method
        let peer = try LAPACKPeer(spec, threads: 1, setEnvironment: false)
        #expect(peer.integerWidth == .lp64)
        #expect(peer.prefix == "" && peer.suffix == "")

        let (m, n) = (300, 12)
        var rng = SplitMix64(seed: 16)
        let a = Matrix.random(rows: m, columns: n, using: &rng)
        let b = (0..<m).map { _ in Double(rng.next() >> 11) * 0x1p-53 - 0.5 }
        let workspace = try LAPACKPeerWorkspace(peer, rows: m, columns: n)
        let theirs = try workspace.solve(columnMajor: a.elements, b)
        let ours = try SIMDSolver().solve(a, b).x

        // Householder least squares is backward stable: ω ≤ c·m·n·ε in the worst case, ≈ ε in practice;
        // 10·n·ε is the bench's yardstick.
        let tolerance = 10 * Double(n) * Double.ulpOfOne
        let (omegaTheirs, tanTheta) = Self.backwardError(a, b, theirs)
        let omegaOurs = Self.backwardError(a, b, ours).omega
        #expect(omegaTheirs <= tolerance)
        #expect(omegaOurs <= tolerance)
        // Two backward-stable solutions differ by at most (κ + κ²·tanθ)·(ω₁ + ω₂) relatively (Wedin); κ(A) of a
        // 300 × 12 matrix of independent entries is below 2 (≈ (√m + √n)/(√m − √n) ≈ 1.5).
        let kappa = 2.0
        let scale = ours.map(abs).max() ?? 1
        let difference = zip(theirs, ours).map { abs($0 - $1) }.max() ?? 0
        #expect(difference / scale <= (kappa + kappa * kappa * tanTheta) * 2 * tolerance)
    }

    @Test func workspaceSolvesTwiceFromFreshInputs() throws {
        let path = try #require(Self.systemLAPACK)
        let peer = try LAPACKPeer(LAPACKPeerSpec(path: path), threads: 1, setEnvironment: false)
        let workspace = try LAPACKPeerWorkspace(peer, rows: 3, columns: 2)
        // x = (1, 2) exactly: A = [1 0; 0 1; 1 1], b = A·x.
        let x = try workspace.solve(columnMajor: [1, 0, 1, 0, 1, 1], [1, 2, 3])
        #expect(abs(x[0] - 1) <= 8 * Double.ulpOfOne && abs(x[1] - 2) <= 8 * Double.ulpOfOne)
        #expect(try workspace.solve(columnMajor: [1, 0, 1, 0, 1, 1], [1, 2, 3]) == x)
    }

    @Test func notALibraryNamesThePath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("possum-not-a-library-\(UUID().uuidString).so").path
        try Data("not an ELF file\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try LAPACKPeer(LAPACKPeerSpec(path: path), threads: 1, setEnvironment: false)
            Issue.record("loaded a text file")
        } catch {
            #expect(error.description.hasPrefix("--lapack \(path): not a loadable shared library ("))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func libraryWithoutLAPACKNamesTheSymbol() throws {
        let libm = try #require(["/lib/x86_64-linux-gnu/libm.so.6", "/lib/aarch64-linux-gnu/libm.so.6"]
            .first { FileManager.default.fileExists(atPath: $0) })
        #expect(throws: LAPACKPeerError.missingSymbol(
            path: libm, symbol: "dgeqrf_", tried: ["dgeqrf_", "scipy_dgeqrf_64_", "dgeqrf_64_", "scipy_dgeqrf_"])) {
            _ = try LAPACKPeer(LAPACKPeerSpec(path: libm), threads: 1, setEnvironment: false)
        }
        var spec = LAPACKPeerSpec(path: libm)
        spec.prefix = "scipy_"
        spec.suffix = "64_"
        do {
            _ = try LAPACKPeer(spec, threads: 1, setEnvironment: false)
            Issue.record("found LAPACK in libm")
        } catch {
            #expect(error.description == "--lapack \(libm): no symbol scipy_dgeqrf_64_ in the library")
        }
    }

    @Test func specParsing() throws {
        let spec = try LAPACKPeerSpec(parsing: "/opt/a:b/libscipy_openblas64_.so:prefix=scipy_,suffix=64_,int=64,name=numpy,lstsq=gels")
        #expect(spec.path == "/opt/a:b/libscipy_openblas64_.so")
        #expect(spec.prefix == "scipy_" && spec.suffix == "64_" && spec.integerWidth == .ilp64)
        #expect(spec.name == "numpy" && spec.leastSquares == .gels)
        #expect(try LAPACKPeerSpec(parsing: "libflame.so.1") == LAPACKPeerSpec(path: "libflame.so.1"))
        #expect(throws: LAPACKPeerError.self) { try LAPACKPeerSpec(parsing: "/x/liblapack.so.3:int=16") }
        #expect(throws: LAPACKPeerError.self) { try LAPACKPeerSpec(parsing: "/x/liblapack.so.3:threads=4") }
    }

    /// The built possum-bench beside the test bundle.
    static func bench() throws -> URL {
        try #require(ProductProcess.executable("possum-bench"), "possum-bench not built")
    }

    static func run(_ executable: URL, _ arguments: [String]) throws -> ProcessResult {
        try ProductProcess.run(executable, arguments)
    }

    /// The bench with the system LAPACK as a peer: its rows (qr and lstsq) and our speed-up over it.
    @Test func benchTimesAPeerBesideOurs() throws {
        let path = try #require(Self.systemLAPACK)
        let result = try Self.run(try Self.bench(), [
            "--shapes", "104x17", "--repeat", "1", "--dtype", "float64", "--solvers", "simd,openblas", "--lapack", path + ":name=system"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("peer system 0.3"))  // the label: name=, then OpenBLAS's version
        for op in ["qr", "lstsq"] {
            let row = result.stdout.split(separator: "\n")
                .first { $0.split(separator: " ").first.map(String.init) == op && $0.contains("104x17 float64 system 0.") }
            #expect(row != nil, "no \(op) row of the peer in:\n\(result.stdout)")
            #expect(result.stdout.contains("\(op) 104x17 float64: simd speed-up over each peer (peer median / ours): system 0."))
        }
    }

    /// The bench itself: one line on stderr naming the path, exit status 1, nothing on stdout.
    @Test func benchReportsABadLibraryInOneLine() throws {
        let bench = try Self.bench()
        let libm = try #require(["/lib/x86_64-linux-gnu/libm.so.6", "/lib/aarch64-linux-gnu/libm.so.6"]
            .first { FileManager.default.fileExists(atPath: $0) })
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("possum-bench-not-a-library-\(UUID().uuidString)").path
        try Data("not an ELF file\n".utf8).write(to: URL(fileURLWithPath: text))
        defer { try? FileManager.default.removeItem(atPath: text) }
        for (path, expected) in [(text, "not a loadable shared library"), (libm, "no symbol dgeqrf_")] {
            let result = try Self.run(bench, ["--quick", "--lapack", path])
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1)
            #expect(lines.first?.contains("--lapack \(path): \(expected)") == true, "\(result.stderr)")
        }
    }
}
