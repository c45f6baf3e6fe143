import Foundation
import Testing

/// docs/library.md shows the first part of the downstream package's main.swift, which `make test-downstream`
/// compiles and runs against a versioned clone: the two must stay word for word the same, so that the
/// documented example is a tested one.
@Suite struct LibraryDocExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func docsExampleIsTheDownstreamCode() throws {
        let main = try String(contentsOf: Self.root.appendingPathComponent("Tests/downstream/Sources/possum-downstream/main.swift"), encoding: .utf8)
        let doc = try String(contentsOf: Self.root.appendingPathComponent("docs/library.md"), encoding: .utf8)
        let first = "// Fit y ≈", end = "// End of the part docs/library.md shows."
        let start = try #require(main.range(of: first)), stop = try #require(main.range(of: end))
        let shown = main[start.lowerBound..<stop.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        let block = try #require(doc.range(of: "```swift\n" + first))
        let blockEnd = try #require(doc.range(of: "```", range: block.upperBound..<doc.endIndex))
        let documented = doc[doc.index(block.lowerBound, offsetBy: "```swift\n".count)..<blockEnd.lowerBound]
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(documented == shown, "docs/library.md's example differs from the downstream main.swift it says it is")
    }
}
