import Foundation
import Testing

/// Every refusal is one line on stderr, bad command lines included: ArgumentParser's usage block
/// is replaced by a pointer to the command's --help, and control characters never reach the terminal.
@Suite struct OneLineErrorTests {
    @Test(arguments: [
        (["train", "--alphas", "1:0:5", "--no-track"], "possum train"),
        (["lstsq", "A.csv"], "possum lstsq"),
        (["nosuch"], "possum"),
        (["data", "import"], "possum data import"),
        (["runs", "list", "--limit", "x"], "possum runs list"),
    ])
    func aBadCommandLineIsOneLine(arguments: [String], command: String) throws {
        let p = try PossumProcess.run(arguments)
        #expect(p.status == 64 && !p.crashed, "\(arguments): \(p.status)")
        #expect(p.stderr.hasPrefix("Error: ") && p.stderr.hasSuffix(" (see '\(command) --help')\n"), "\(p.stderr)")
        #expect(p.stderr.filter { $0 == "\n" }.count == 1, "\(p.stderr)")
    }

    @Test func controlCharactersInAnErrorAreEscaped() throws {
        let p = try PossumProcess.run(["model", "show", "bad\u{1B}[2J\nname.h5"])
        #expect(p.status == 1 && !p.crashed, "\(p.status)")
        #expect(p.stderr.filter { $0 == "\n" }.count == 1 && !p.stderr.contains("\u{1B}"), "\(p.stderr)")
    }
}
