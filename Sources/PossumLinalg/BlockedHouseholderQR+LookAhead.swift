import Dispatch
import Synchronization

/// The packed operands of one block reflector I − V·T·Vᵀ of the blocked QR (V in `dgeqrf`
/// layout: unit lower triangle on its first jb rows), in a slot of scratch memory: V packed as
/// Vᵀ (A of W = VᵀC), V in the tile's micro-panels (A of C += V·W'), −Tᵀ and T. Three slots let
/// the look-ahead pack the next panel while the other threads still read this one and the one before.
enum PackedBlockReflector<K: HouseholderKernels> {
    typealias T = K.Scalar

    /// Elements of one slot for V of at most `rows` rows and `blockSize` columns.
    static func slotSize(rows m: Int, blockSize nb: Int) -> Int {
        let ld = roundUp(nb, T.lanes)
        // Vᵀ (ld × m), V in micro-panels (m rounded up to whole strips × nb), −Tᵀ (ld × ld), T (nb × nb);
        // whole cache lines, so that the second slot and W start on one as the scratch does (each
        // region within is whole vectors: ld and mr are multiples of the lanes).
        let line = QRWorkspace.scratchAlignment / MemoryLayout<T>.stride
        return roundUp(ld * m + roundUp(m, K.Tile.mr) * nb + ld * ld + nb * nb, line)
    }

    /// Elements of W and W' (each ld × `columns`) that the updates share: column j of W belongs to
    /// column j of C, so concurrent updates of different columns never meet.
    static func productSize(columns n: Int, blockSize nb: Int) -> Int { 2 * roundUp(nb, T.lanes) * n }

    /// Slots: step s reads slot s mod 3 while step s + 1's look-ahead packs panel s + 2 into
    /// another, which step s − 1 (done by then) read last.
    static var slotCount: Int { 3 }

    /// Elements of scratch the blocked QR of an m × n matrix needs on any number of threads: the
    /// slots (one is used on one thread), W and W'.
    static func scratchSize(rows m: Int, columns n: Int, blockSize nb: Int) -> Int {
        slotCount * slotSize(rows: m, blockSize: nb) + productSize(columns: n, blockSize: nb)
    }

    /// The regions of a slot for V of `rows` × `jb`.
    static func regions(_ slot: UnsafeMutablePointer<T>, rows: Int, jb: Int)
        -> (vt: UnsafeMutablePointer<T>, vp: UnsafeMutablePointer<T>, negTt: UnsafeMutablePointer<T>, t: UnsafeMutablePointer<T>) {
        let ld = roundUp(jb, T.lanes)
        let vt = slot
        let vp = vt + ld * rows
        let negTt = vp + roundUp(rows, K.Tile.mr) * jb
        return (vt, vp, negTt, negTt + ld * ld)
    }

    /// Packs the reflectors in the columns of `v` (τ in `tau`) into `slot`: Vᵀ with padding rows 0,
    /// the micro-panels with the triangle explicit and rows past `v.rows` 0, T (`dlarft`) and −Tᵀ.
    static func pack(_ v: StridedMatrixView<T>, tau: UnsafePointer<T>, into slot: UnsafeMutablePointer<T>) {
        let (rows, jb) = (v.rows, v.columns)
        let mr = K.Tile.mr
        // Whole vectors, not whole tiles: a tile's partial strip reads only the vectors it stores.
        let ld = roundUp(jb, T.lanes)
        let (vt, vp, negTt, t) = regions(slot, rows: rows, jb: jb)
        @inline(__always) func vEntry(_ r: Int, _ i: Int) -> T {
            r >= rows ? 0 : r >= jb ? v[r, i] : r < i ? 0 : r == i ? 1 : v[r, i]
        }
        for r in 0..<rows {
            let dst = vt + r * ld
            if r < jb {
                for i in 0..<jb { dst[i] = vEntry(r, i) }
            } else {
                for i in 0..<jb { dst[i] = v[r, i] }
            }
            for i in jb..<ld { dst[i] = 0 }
        }
        var r0 = 0
        while r0 < rows {
            let strip = vp + r0 * jb
            for i in 0..<jb {
                if mr % T.lanes == 0 && r0 >= jb && r0 + mr <= rows {
                    for q in stride(from: 0, to: mr, by: T.lanes) {
                        T.store(T.load(v.column(i) + r0 + q), strip + i * mr + q)
                    }
                } else {
                    for q in 0..<mr { strip[i * mr + q] = vEntry(r0 + q, i) }
                }
            }
            r0 += mr
        }
        // vᵢ is 0 above row i and 1 at row i.
        Householder<K>.formTriangularFactor(count: jb, tau: tau, into: t) { j, i in
            v[i, j] + K.dot(rows - i - 1, v.column(j) + i + 1, v.column(i) + i + 1)
        }
        for p in 0..<ld {
            for i in 0..<ld { negTt[i + p * ld] = i < jb && p <= i ? -t[p + i * jb] : 0 }
        }
    }

    /// The update C ← (I − V·Tᵀ·Vᵀ)·C by the reflectors `pack` put in `slot` (W, W' at `products`,
    /// `productSize(columns:blockSize:)` for the matrix's `columns`: W' at the same place for every
    /// step, so that a step's look-ahead never meets the previous step's W).
    static func update(
        _ v: StridedMatrixView<T>, slot: UnsafeMutablePointer<T>, products: UnsafeMutablePointer<T>, columns: Int,
        blockSize nb: Int, of c: StridedMatrixView<T>
    ) -> BlockReflectorUpdate<K> {
        let jb = v.columns, ld = roundUp(jb, T.lanes)
        let (vt, vp, negTt, _) = regions(slot, rows: v.rows, jb: jb)
        return BlockReflectorUpdate<K>(vt: vt, vp: vp, w: products, w2: products + roundUp(nb, T.lanes) * columns,
                                       negTt: negTt, c: c, jb: jb, ld: ld)
    }
}

/// The steps of a blocked QR: panel s holds reflectors k = s·nb ..< k + jb. A panel whose trailing
/// matrix is narrower than `minimumBlocked` is factored with every column to the end swept by each
/// reflector (no block update); every later panel is too.
struct BlockedPanels {
    let rows: Int, reflectors: Int, columns: Int, blockSize: Int, minimumBlocked: Int

    /// Columns of panel s (the first column is s·nb).
    func width(_ s: Int) -> Int { min(blockSize, reflectors - s * blockSize) }
    /// Whether panel s sweeps every column to the end instead of a block update.
    func sweepsAll(_ s: Int) -> Bool { trailingColumns(s) < minimumBlocked }
    /// Panels followed by a block update: 0 ..< this.
    var updateSteps: Int {
        var s = 0
        while s * blockSize < reflectors && !sweepsAll(s) { s += 1 }
        return s
    }
    /// Columns of step s's trailing matrix that the next panel takes (0 when there is none): what
    /// the look-ahead updates first, so that the next panel can be factored before the rest.
    func lookAheadColumns(_ s: Int) -> Int {
        let next = s * blockSize + width(s)
        guard next < reflectors else { return 0 }
        return sweepsAll(s + 1) ? columns - next : width(s + 1)
    }
    /// Columns of step s after its look-ahead columns: the chunks share them.
    func restColumns(_ s: Int) -> Int { trailingColumns(s) - lookAheadColumns(s) }
    /// Chunks of step s's rest (items 1… of the step; see `ChunkLayout`).
    func chunks(_ s: Int, _ layout: ChunkLayout) -> Int { layout.count(restColumns(s)) }
    /// Chunk i's columns (0-based), counted from the first column after the look-ahead.
    func chunk(_ s: Int, _ i: Int, _ layout: ChunkLayout) -> Range<Int> { layout.range(i, of: restColumns(s)) }
    /// Columns right of panel s.
    func trailingColumns(_ s: Int) -> Int { columns - s * blockSize - width(s) }
}

/// How a step's rest of the trailing update is cut into chunks, the work items the threads claim
/// one at a time: `wide` columns each (a block of the products, `MicroKernel.columnBlock`) while
/// more than `tail` columns are left, then `narrow` ones, so that the threads run out of work
/// together at the end of the step. The last chunk of each kind takes the remainder. Every
/// column gets the same operations whatever chunk it is in, so the layout never changes the bits.
struct ChunkLayout {
    let wide: Int, narrow: Int, tail: Int

    /// One thread: wide chunks only. P threads: the last 2·P chunks of each step narrow.
    init<K: HouseholderKernels>(_: K.Type, threads: Int) {
        wide = K.Tile.columnBlock
        narrow = min(wide, 4 * K.Tile.nr)
        tail = threads >= 2 ? 2 * threads * narrow : 0
    }

    /// Columns of `rest` in wide chunks, and in narrow ones.
    func split(_ rest: Int) -> (wide: Int, narrow: Int) {
        let narrowColumns = min(rest, tail)
        return (rest - narrowColumns, narrowColumns)
    }

    func count(_ rest: Int) -> Int {
        let (w, n) = split(rest)
        return (w > 0 ? max(1, w / wide) : 0) + (n > 0 ? max(1, n / narrow) : 0)
    }

    /// Chunk i of `rest` columns.
    func range(_ i: Int, of rest: Int) -> Range<Int> {
        let (w, n) = split(rest)
        let wideChunks = w > 0 ? max(1, w / wide) : 0
        if i < wideChunks {
            return i * wide ..< (i == wideChunks - 1 ? w : (i + 1) * wide)
        }
        let q = i - wideChunks, narrowChunks = n > 0 ? max(1, n / narrow) : 0
        return w + q * narrow ..< (q == narrowChunks - 1 ? rest : w + (q + 1) * narrow)
    }
}

/// The blocked QR as a sequence of steps over a matrix and its scratch: first panel 0, then for
/// each update step s its items — item 0 the look-ahead (apply block reflector s to the next
/// panel's columns, factor that panel and pack it into its slot), items 1… chunks of the
/// rest of the trailing update. Run in order they are the one-thread factorization; a step's items
/// are independent of each other, so threads may share them (`LookAheadSchedule`).
struct BlockedQRSteps<K: HouseholderKernels> {
    typealias T = K.Scalar
    let a: StridedMatrixView<T>
    let tau: UnsafeMutablePointer<T>
    let panels: BlockedPanels
    let slots: UnsafeMutablePointer<T>, slotSize: Int
    let products: UnsafeMutablePointer<T>
    /// How the chunks of each step are cut for the threads that will run them.
    let layout: ChunkLayout

    /// `scratch` holds `PackedBlockReflector.scratchSize` elements for `panels`; `threads`: how
    /// many will share the steps (the chunks' layout; any number may run them).
    init(
        _ a: StridedMatrixView<T>, tau: UnsafeMutablePointer<T>, panels: BlockedPanels, scratch: UnsafeMutablePointer<T>,
        threads: Int = 1
    ) {
        self.a = a
        self.tau = tau
        self.panels = panels
        layout = ChunkLayout(K.self, threads: threads)
        let slotSize = PackedBlockReflector<K>.slotSize(rows: panels.rows, blockSize: panels.blockSize)
        (slots, self.slotSize) = (scratch, slotSize)
        products = scratch + PackedBlockReflector<K>.slotCount * slotSize
    }

    /// Items of update step s: the look-ahead and the chunks.
    func items(_ s: Int) -> Int { 1 + panels.chunks(s, layout) }

    /// Every step in order, on this thread.
    func runInOrder() {
        factorPanels(from: 0)
        for s in 0..<panels.updateSteps {
            for item in 0..<items(s) { run(step: s, item: item) }
        }
    }

    func slot(_ s: Int) -> UnsafeMutablePointer<T> { slots + s % PackedBlockReflector<K>.slotCount * slotSize }

    /// The chunks of step s that step s + 1's look-ahead columns lie in (its first ones): what that
    /// look-ahead waits for besides step s's own look-ahead.
    func chunksBeforeNextLookAhead(_ s: Int) -> Int {
        guard s + 1 < panels.updateSteps else { return 0 }
        let columns = panels.lookAheadColumns(s + 1)
        var i = 0
        while i < panels.chunks(s, layout) && panels.chunk(s, i, layout).lowerBound < columns { i += 1 }
        return i
    }

    /// Panel s's reflectors (rows s·nb…, its own columns).
    func panel(_ s: Int) -> StridedMatrixView<T> {
        let k = s * panels.blockSize
        return a.block(row: k, column: k, rows: a.rows - k, columns: panels.width(s))
    }

    /// Step s's trailing matrix.
    func trailing(_ s: Int) -> StridedMatrixView<T> {
        let k = s * panels.blockSize, jb = panels.width(s)
        return a.block(row: k, column: k + jb, rows: a.rows - k, columns: panels.columns - k - jb)
    }

    /// Factors panels from s on: a panel with a block update is packed into its slot and ends the
    /// run; panels that sweep every column to the end are factored one after another to the end.
    func factorPanels(from first: Int) {
        var s = first
        while s * panels.blockSize < panels.reflectors {
            let k = s * panels.blockSize, jb = panels.width(s)
            let sweepAll = panels.sweepsAll(s)
            let view = a.block(row: k, column: k, rows: a.rows - k, columns: sweepAll ? panels.columns - k : jb)
            for c in 0..<jb { HouseholderQR<K>.eliminate(column: c, of: view, tau: &tau[k + c]) }
            if !sweepAll {
                PackedBlockReflector<K>.pack(view, tau: tau + k, into: slot(s))
                return
            }
            s += 1
        }
    }

    /// Item `item` of update step s: 0 the look-ahead, then the chunks.
    func run(step s: Int, item: Int) {
        let c = trailing(s)
        let update = PackedBlockReflector<K>.update(panel(s), slot: slot(s), products: products, columns: panels.columns,
                                                    blockSize: panels.blockSize, of: c)
        let ahead = panels.lookAheadColumns(s)
        if item == 0 {
            if ahead > 0 {
                update.columns(0, ahead)
                factorPanels(from: s + 1)
            }
            return
        }
        let columns = panels.chunk(s, item - 1, layout)
        update.columns(ahead + columns.lowerBound, columns.count)
    }
}

/// The blocked QR on several threads with look-ahead. Work items are numbered ("tickets") in the
/// one-thread order — panel 0, then each update step's items — and the threads, started once for
/// the whole factorization, take them from a shared counter. A chunk of step s runs once every
/// item of step s − 1 is done; step s's look-ahead needs less: step s − 1's look-ahead (panel s
/// packed), the chunks of step s − 1 its columns lie in, and all of step s − 2 (whose slot it
/// packs into). So a thread that runs out of chunks starts the next panel at once instead of
/// waiting for the other threads' last chunks, and uneven work evens out chunk by chunk. A thread
/// waits only for tickets already taken by running threads (if the dispatcher runs the workers one
/// after another, the first does everything); it spins for `spinMicroseconds` — the next step is
/// usually that close, and waking a parked thread at every step cost more than the spin
/// (Benchmarks/README.md: Threads) — then naps, so that on a busy machine it does not keep the CPU
/// from the thread it waits for.
///
/// Each element gets the operations of the one-thread factorization in the same order, whichever
/// thread runs its ticket (the tile contract: a column's bits do not depend on its block; every
/// column gets reflector s − 1 before reflector s), so the result is P = 1's bits for every P.
@available(macOS 15, *)
final class LookAheadSchedule<K: HouseholderKernels>: @unchecked Sendable {
    let steps: BlockedQRSteps<K>
    /// Panel 0 and every update step's items.
    let tickets: Int
    /// The next ticket to take; threads napping.
    let next = Atomic<Int>(0), sleepers = Atomic<Int>(0)
    /// Per step s (at index s + 1; index 0 is panel 0, "step −1"): items finished, whether its
    /// look-ahead is finished, and how many of its first `chunksBeforeNextLookAhead` are.
    let finished: UnsafeMutablePointer<Atomic<Int>>, lookAheadDone: UnsafeMutablePointer<Atomic<Int>>
    let firstChunksDone: UnsafeMutablePointer<Atomic<Int>>
    let wake = DispatchSemaphore(value: 0)
    /// How long a waiting thread spins before it naps, and how long a nap lasts at most.
    static var spinMicroseconds: UInt64 { 50 }
    static var napMicroseconds: Int { 50 }

    init(_ steps: BlockedQRSteps<K>) {
        self.steps = steps
        var count = 1
        for s in 0..<steps.panels.updateSteps { count += steps.items(s) }
        tickets = count
        let entries = steps.panels.updateSteps + 1
        finished = .allocate(capacity: entries)
        lookAheadDone = .allocate(capacity: entries)
        firstChunksDone = .allocate(capacity: entries)
        for i in 0..<entries {
            (finished + i).initialize(to: Atomic(0))
            (lookAheadDone + i).initialize(to: Atomic(0))
            (firstChunksDone + i).initialize(to: Atomic(0))
        }
    }

    deinit {
        let entries = steps.panels.updateSteps + 1
        finished.deinitialize(count: entries)
        lookAheadDone.deinitialize(count: entries)
        firstChunksDone.deinitialize(count: entries)
        finished.deallocate()
        lookAheadDone.deallocate()
        firstChunksDone.deallocate()
    }

    /// Items of step s (−1: panel 0).
    func items(_ s: Int) -> Int { s < 0 ? 1 : steps.items(s) }

    /// Whether every item of step s is done (true for s < −1).
    func stepDone(_ s: Int) -> Bool {
        s < -1 || finished[s + 1].load(ordering: .acquiring) == items(s)
    }

    /// Whether item `item` of step s may run.
    func ready(step s: Int, item: Int) -> Bool {
        guard s >= 0 else { return true }
        if item > 0 { return stepDone(s - 1) }
        return lookAheadDone[s].load(ordering: .acquiring) == 1
            && firstChunksDone[s].load(ordering: .acquiring) == (s >= 1 ? steps.chunksBeforeNextLookAhead(s - 1) : 0)
            && stepDone(s - 2)
    }

    /// The factorization on up to `threads` threads.
    func run(threads: Int) {
        DispatchQueue.concurrentPerform(iterations: threads) { _ in work() }
    }

    /// One thread's loop: take tickets until there are none left.
    func work() {
        var step = -1, base = 0, count = 1  // ticket 0: panel 0
        while true {
            let ticket = next.wrappingAdd(1, ordering: .relaxed).oldValue
            guard ticket < tickets else { return }
            while ticket >= base + count {
                base += count
                step += 1
                count = steps.items(step)
            }
            let item = ticket - base
            // What it waits for has a smaller ticket, already taken by a running thread.
            waitUntil { ready(step: step, item: item) }
            if step < 0 {
                steps.factorPanels(from: 0)
            } else {
                steps.run(step: step, item: item)
            }
            if item == 0 {
                lookAheadDone[step + 1].store(1, ordering: .releasing)
            } else if step >= 0 && item - 1 < steps.chunksBeforeNextLookAhead(step) {
                firstChunksDone[step + 1].wrappingAdd(1, ordering: .releasing)
            }
            finished[step + 1].wrappingAdd(1, ordering: .releasing)
            if sleepers.load(ordering: .relaxed) > 0 { wake.signal() }
        }
    }

    /// Returns once `condition` holds: spins, then naps (a wake-up may be missed by a thread going
    /// to sleep just as the item it waits for finishes: the nap's timeout bounds that).
    func waitUntil(_ condition: () -> Bool) {
        guard !condition() else { return }
        let spinUntil = DispatchTime.now().uptimeNanoseconds + Self.spinMicroseconds * 1000
        var spins = 0
        while !condition() {
            spins += 1
            guard spins % 256 == 0, DispatchTime.now().uptimeNanoseconds > spinUntil else { continue }
            sleepers.wrappingAdd(1, ordering: .relaxed)
            _ = wake.wait(timeout: .now() + .microseconds(Self.napMicroseconds))
            sleepers.wrappingSubtract(1, ordering: .relaxed)
        }
    }
}
