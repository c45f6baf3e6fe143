@testable import PossumLinalg
import Testing

/// The blocked QR's look-ahead (`BlockedQRSteps`, `LookAheadSchedule`): step s's first item factors
/// panel s + 1 before the rest of step s's update has run, the items of a step cover its trailing
/// matrix exactly once, and the threaded schedule gives the one-thread bits for every P, including
/// the shapes whose last panels sweep to the end and those with columns past the reflectors.
@Suite struct LookAheadTests {
    /// (m, total columns, reflectors, nb): a narrow last panel (196 = 6·32 + 4: the last two
    /// panels sweep to the end), columns past the reflectors (the last update step has nothing to
    /// look ahead to), small panels with many steps, and [A | b].
    static let shapes: [(m: Int, columns: Int, reflectors: Int, nb: Int)] = [
        (300, 196, 196, 32), (400, 130, 100, 32), (520, 101, 101, 16), (700, 121, 120, 24), (600, 90, 90, 8),
    ]

    static func panels<K: HouseholderKernels>(_ s: (m: Int, columns: Int, reflectors: Int, nb: Int), _: K.Type) -> BlockedPanels {
        BlockedPanels(rows: s.m, reflectors: s.reflectors, columns: s.columns, blockSize: s.nb,
                      minimumBlocked: BlockedHouseholderQR.minimumBlockedColumns(K.self))
    }

    /// The look-ahead columns and the chunks of every update step partition its trailing matrix,
    /// and the look-ahead is exactly the next panel (to the end when that panel sweeps everything);
    /// on P threads the last 2·P chunks of a step are narrow.
    @Test(arguments: shapes)
    func itemsPartitionEachTrailingMatrix(shape: (m: Int, columns: Int, reflectors: Int, nb: Int)) {
        let panels = Self.panels(shape, NativeKernels<Double>.self)
        #expect(panels.updateSteps >= 2)
        for threads in [1, 2, 3] {
            let layout = ChunkLayout(NativeKernels<Double>.self, threads: threads)
            for s in 0..<panels.updateSteps {
                let ahead = panels.lookAheadColumns(s)
                let next = s * shape.nb + panels.width(s)
                if next < shape.reflectors {
                    #expect(ahead == (panels.sweepsAll(s + 1) ? shape.columns - next : panels.width(s + 1)), "step \(s)")
                } else {
                    #expect(ahead == 0, "step \(s): no panel after the last reflectors")
                }
                let rest = panels.trailingColumns(s) - ahead
                let ranges = (0..<panels.chunks(s, layout)).map { panels.chunk(s, $0, layout) }
                // Contiguous, non-empty, from the first column after the look-ahead to the end.
                #expect(rest == 0 ? ranges.isEmpty : ranges.first?.lowerBound == 0 && ranges.last?.upperBound == rest,
                        "step \(s): \(ranges) for \(rest) columns")
                #expect(ranges.allSatisfy { !$0.isEmpty && $0.count < 2 * layout.wide })
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                if threads >= 2 && rest >= layout.tail + layout.wide {
                    #expect(ranges.suffix(2 * threads).allSatisfy { $0.count == layout.narrow }, "step \(s), P = \(threads)")
                }
            }
        }
    }

    /// The chunk layout on its own, for rests wider than the test shapes give: wide chunks, then
    /// exactly 2·P narrow ones, contiguous and covering the rest; one thread only wide ones.
    @Test(arguments: [1, 23, 24, 97, 300, 1000, 1968])
    func chunkLayoutCoversTheRest(rest: Int) {
        for threads in [1, 2, 4] {
            let layout = ChunkLayout(NativeKernels<Double>.self, threads: threads)
            let ranges = (0..<layout.count(rest)).map { layout.range($0, of: rest) }
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == rest)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound && !$1.isEmpty })
            if threads == 1 {
                #expect(ranges.count == max(1, rest / layout.wide))
            } else if rest >= layout.tail + layout.wide {
                #expect(ranges.suffix(2 * threads).allSatisfy { $0.count == layout.narrow })
                #expect(ranges.dropLast(2 * threads).allSatisfy { $0.count >= layout.wide })
            }
        }
    }

    /// After panel 0 and step 0's first item only, panel 1 is factored (its τ written) while the
    /// columns after it have not been touched: the next panel does not wait for the update.
    @Test func firstItemFactorsTheNextPanelBeforeTheRestOfTheUpdate() throws {
        let (m, n, nb) = (120, 100, 16)
        let panels = BlockedPanels(rows: m, reflectors: n, columns: n, blockSize: nb,
                                   minimumBlocked: BlockedHouseholderQR.minimumBlockedColumns(NativeKernels<Double>.self))
        var rng = SplitMix64(seed: 5)
        let original = (0..<(m * n)).map { _ in Double.random(in: -1..<1, using: &rng) }
        var a = original
        var tau = [Double](repeating: .nan, count: n)
        var workspace = QRWorkspace()
        let size = PackedBlockReflector<NativeKernels<Double>>.scratchSize(rows: m, columns: n, blockSize: nb)
        a.withUnsafeMutableBufferPointer { ab in
            tau.withUnsafeMutableBufferPointer { tb in
                workspace.withScratch(of: Double.self, size) { scratch in
                    guard let base = ab.baseAddress, let t = tb.baseAddress else { return }
                    let steps = BlockedQRSteps<NativeKernels<Double>>(
                        StridedMatrixView(base: base, rows: m, columns: n, leadingDimension: m), tau: t, panels: panels,
                        scratch: scratch)
                    steps.factorPanels(from: 0)
                    steps.run(step: 0, item: 0)
                }
            }
        }
        #expect(tau[0..<(2 * nb)].allSatisfy { !$0.isNaN }, "panels 0 and 1 factored")
        #expect(tau[(2 * nb)...].allSatisfy { $0.isNaN }, "no later panel yet")
        #expect(Array(a[(2 * nb * m)...]) == Array(original[(2 * nb * m)...]), "the rest of step 0's update not yet run")
        #expect(Array(a[(nb * m)..<(2 * nb * m)]) != Array(original[(nb * m)..<(2 * nb * m)]))
    }

    /// Factors `values` (m × columns, the first `reflectors` columns) on P threads.
    static func factored<K: HouseholderKernels>(
        _ values: [K.Scalar], _ s: (m: Int, columns: Int, reflectors: Int, nb: Int), threads: Int, kernels: K.Type
    ) -> [K.Scalar] {
        var a = values
        var tau = [K.Scalar](repeating: .nan, count: s.reflectors)
        var workspace = QRWorkspace()
        a.withUnsafeMutableBufferPointer { ab in
            tau.withUnsafeMutableBufferPointer { tb in
                guard let base = ab.baseAddress, let t = tb.baseAddress else { return }
                BlockedHouseholderQR.factor(StridedMatrixView(base: base, rows: s.m, columns: s.columns, leadingDimension: s.m),
                                            reflectors: s.reflectors, tau: t, blockSize: s.nb, threads: threads,
                                            workspace: &workspace, kernels: K.self)
            }
        }
        return a + tau
    }

    /// Every P gives the one-thread bits on every shape (each shape is big enough for
    /// `updateGroups` to give it 2 or 3 threads).
    @Test(arguments: shapes)
    func everyThreadCountGivesTheOneThreadBits(shape: (m: Int, columns: Int, reflectors: Int, nb: Int)) {
        func check<K: HouseholderKernels>(_: K.Type) {
            #expect(BlockedHouseholderQR.updateGroups(rows: shape.m, columns: shape.columns - shape.nb, threads: 7) >= 2)
            var rng = SplitMix64(seed: UInt64(shape.m * 7 + shape.columns))
            let values = (0..<(shape.m * shape.columns)).map { _ in K.Scalar(Double.random(in: -1..<1, using: &rng)) }
            let one = Self.factored(values, shape, threads: 1, kernels: K.self)
            for p in [2, 3, 7] {
                let many = Self.factored(values, shape, threads: p, kernels: K.self)
                #expect(many.map { Double($0).bitPattern } == one.map { Double($0).bitPattern }, "\(K.Scalar.self) \(shape) P=\(p)")
            }
        }
        check(NativeKernels<Double>.self)
        check(NativeKernels<Float>.self)
        check(ReferenceKernels<Double>.self)
    }

    /// If the dispatcher runs the workers one after another on one thread, the first takes every
    /// ticket and the second finds none: no worker waits for one that has not started, and the
    /// result is the one-thread factorization.
    @Test func workersRunOneAfterAnotherFinishAlone() throws {
        guard #available(macOS 15, *) else { return }
        let shape = (m: 300, columns: 196, reflectors: 196, nb: 32)
        var rng = SplitMix64(seed: 3)
        let values = (0..<(shape.m * shape.columns)).map { _ in Double.random(in: -1..<1, using: &rng) }
        let one = Self.factored(values, shape, threads: 1, kernels: NativeKernels<Double>.self)
        var a = values
        var tau = [Double](repeating: .nan, count: shape.reflectors)
        var workspace = QRWorkspace()
        let panels = Self.panels(shape, NativeKernels<Double>.self)
        let size = PackedBlockReflector<NativeKernels<Double>>.scratchSize(rows: shape.m, columns: shape.columns, blockSize: shape.nb)
        a.withUnsafeMutableBufferPointer { ab in
            tau.withUnsafeMutableBufferPointer { tb in
                workspace.withScratch(of: Double.self, size) { scratch in
                    guard let base = ab.baseAddress, let t = tb.baseAddress else { return }
                    let schedule = LookAheadSchedule(BlockedQRSteps<NativeKernels<Double>>(
                        StridedMatrixView(base: base, rows: shape.m, columns: shape.columns, leadingDimension: shape.m),
                        tau: t, panels: panels, scratch: scratch))
                    schedule.work()
                    schedule.work()
                }
            }
        }
        #expect((a + tau).map(\.bitPattern) == one.map(\.bitPattern))
    }
}
