import Foundation
import PossumTestSupport
import Testing
import PossumFiles

@Suite struct AppendLineTests {
    @Test func concurrentAppendersNeverInterleaveInsideALine() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("metric")
        let writers = 8, lines = 1000
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            // Long lines: a writer that split them into several writes would be interleaved.
            let line = String(repeating: Character(String(writer)), count: 2000) + "\n"
            for _ in 0..<lines { _ = try? appendLine(line, to: path, durable: false) }  // a failure shows in the count
        }
        let all = try dir.read("metric").split(separator: "\n")
        #expect(all.count == writers * lines)
        #expect(all.allSatisfy { $0.count == 2000 && Set($0).count == 1 })
    }

    @Test func createsAndAppendsAndErrorsNameTheFile() throws {
        let dir = try TemporaryDirectory()
        try appendLine("1 0.5 0\n", to: dir.file("m"))
        try appendLine("2 0.25 1\n", to: dir.file("m"))
        #expect(try dir.read("m") == "1 0.5 0\n2 0.25 1\n")
        let error = try #require(try fileError { try appendLine("x\n", to: dir.file("no/m")) })
        #expect(error.description == "\(dir.file("no/m")): open for append failed: No such file or directory")
    }
}
