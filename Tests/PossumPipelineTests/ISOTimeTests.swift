import Foundation
import Testing
@testable import PossumPipeline

/// The hand-rolled UTC timestamps of the state files.
@Suite struct ISOTimeTests {
    @Test func roundTripsToTheMillisecond() {
        for t in [0.0, 1_700_000_000.123, 1_799_999_999.9996, 951_782_400.5 /* 2000-02-29 */] {
            let d = Date(timeIntervalSince1970: t)
            let s = ISOTime.format(d)
            #expect(abs(ISOTime.parse(s)!.timeIntervalSince1970 - t) < 0.0006, "\(s)")
        }
        #expect(ISOTime.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(ISOTime.parse("2026-01-02T03:04:05Z")!.timeIntervalSince1970 == 1_767_323_045)
        #expect(ISOTime.compact(Date(timeIntervalSince1970: 1_767_323_045)) == "20260102T030405")
    }

    @Test func refusesOtherShapes() {
        for bad in ["", "2026-01-02", "2026-01-02T03:04:05", "2026-13-02T03:04:05Z", "2026-01-02T03:04:05.Z", "x026-01-02T03:04:05Z"] {
            #expect(ISOTime.parse(bad) == nil, "\(bad)")
        }
    }
}
