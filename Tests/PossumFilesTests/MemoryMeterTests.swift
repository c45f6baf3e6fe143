import PossumFiles
import Testing

@Suite struct MemoryMeterTests {
    /// A request of a MiB or more asks at once, and must leave a MiB free.
    @Test func aLargeRequestAsksAtOnce() {
        var meter = MemoryHeadroom.Meter()
        var asks = 0
        let fits = meter.admits(3 << 20, headroom: { asks += 1; return 4 << 20 })
        let short = meter.admits(3 << 20, headroom: { asks += 1; return (4 << 20) - 1 })
        let huge = meter.admits(.max, headroom: { .max })
        #expect(fits && !short && !huge)
        #expect(asks == 2)
    }

    /// Small requests are counted, and ask each time they add up to a MiB: none slips past.
    @Test func smallRequestsAskEachMiB() {
        var meter = MemoryHeadroom.Meter()
        var asks = 0
        var admitted = 0
        for _ in 0..<(4 * 64) where meter.admits(16 << 10, headroom: { asks += 1; return 2 << 20 }) { admitted += 1 }
        #expect(asks == 4 && admitted == 4 * 64)
        var tight = MemoryHeadroom.Meter()
        let results = (0..<64).map { _ in tight.admits(16 << 10, headroom: { 1 << 20 }) }
        #expect(results.dropLast().allSatisfy { $0 } && results.last == false)
    }
}
