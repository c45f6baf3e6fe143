import Foundation
import Testing

/// The house rule, checked over every Swift file in Sources/: no `try!`, and no integer
/// conversion that can trap on a value from data. `Int(x)`, `Int32(x)`, `UInt64(x)`, … with an
/// unlabeled argument trap when x is a Double out of range (or NaN) or a wider integer that does
/// not fit; the types are not visible to a text scan, so every such call site is listed below,
/// reviewed, with why it cannot trap. A new one fails this test: write `Int(exactly:)`,
/// `Int(clamping:)` or `Int(truncatingIfNeeded:)` instead, or review it and add it here.
@Suite struct NoTrapsInSourcesTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")

    /// Call sites in one file (matched by their text, so edits elsewhere in the file do not
    /// disturb the list) and why they cannot trap.
    struct Reviewed {
        var file: String
        var calls: [String]
        var reason: String
        init(_ file: String, _ calls: [String], _ reason: String) { (self.file, self.calls, self.reason) = (file, calls, reason) }
    }

    static let reviewed: [Reviewed] = [
        Reviewed("PossumAccuracy/AccuracyFamily.swift", [#"UInt64(trial)"#],
                 "a loop index over a fixed trial count, never negative"),
        Reviewed("PossumAccuracy/AccuracyTrials.swift", [#"Int(h.rounded(.down))"#, #"Int(h.rounded(.up))"#],
                 "h = (count − 1)·q with q in [0, 1] chosen by code: an index within the array"),
        Reviewed("PossumAccuracy/Rational.swift", [#"Int(x.exponent)"#],
                 "Double.exponent is already an Int"),
        Reviewed("PossumWorkflows/AlphaGrid.swift", [#"Int(parts[2])"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumData/DecimalParser.swift", [#"UInt64(text[i] &- UInt8(ascii: "0"))"#, #"Int(text[i] &- UInt8(ascii: "0"))"#, #"UInt64(powersOfTen[exponent - 22])"#],
                 "a digit (UInt8) or a power of ten ≤ 1e15 from a constant table, widened: cannot trap"),
        Reviewed("PossumData/SHA256.swift", [#"Int(b >> 4)"#, #"Int(b & 15)"#],
                 "byte values widened: cannot trap"),
        Reviewed("PossumFiles/OutputPolicy.swift", [#"Int(PATH_MAX)"#],
                 "a C constant (4096)"),
        Reviewed("PossumFiles/MemoryHeadroom.swift", [#"Int32(RLIMIT_AS.rawValue)"#, #"Int32(_SC_PAGESIZE)"#, #"Int($0)"#, #"Int($0.trimmingCharacters(in: .whitespacesAndNewlines))"#],
                 "C constants (small enum values) and String parses (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumHDF5/HDF5Dataset.swift", [#"Int(rank)"#, #"UInt32(i)"#, #"Int(nValues > 0 ? values[0] : 0)"#, #"Int(filter)"#],
                 "HDF5's Int32/UInt32 results (rank checked ≥ 0, filter ids, deflate levels) widened to Int: cannot trap"),
        Reviewed("PossumHDF5/HDF5Dataspace.swift", [#"Int32(dims.count)"#, #"Int(rank)"#, #"Int(d)"#, #"Int($0)"#],
                 "rank checked within 0...32 and each hsize_t dimension checked ≤ Int.max just above"),
        Reviewed("PossumHDF5/HDF5Library.swift", [#"Int(H5Fget_obj_count(hid_t(all), all))"#],
                 "ssize_t widened to Int: cannot trap"),
        Reviewed("PossumHDF5/HDF5Location.swift", [#"UInt32(H5O_INFO_BASIC)"#],
                 "a C constant"),
        Reviewed("PossumHDF5/HDF5Storage.swift", [#"Int32(chunk.count)"#, #"UInt32(level)"#],
                 "chunk rank ≤ 32 and a deflate level 0...9 validated by the caller"),
        Reviewed("PossumHDF5/HDF5Transfer.swift", [#"Int(size)"#],
                 "size_t checked ≤ Int.max / 2 on the line above"),
        Reviewed("PossumLinalg/SIMDSolver+Paths.swift", [#"Int(part)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumOpenBLAS/OpenBLASLibrary.swift", [#"Int(String(cString: $0), radix: 10)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumOpenBLAS/OpenBLASSolver+dgelsy.swift", [#"Int32(-1)"#, #"Int(size)"#, #"Int(rank)"#],
                 "LAPACK's 32-bit integers: dimensions checked ≤ Int32.max (checkLAPACKDimensions; sgels is a test reference with its own precondition), workspace sizes LAPACK itself returned, Int32 results widened"),
        Reviewed("PossumOpenBLAS/OpenBLASSolver+sgels.swift", [#"Int32(rows)"#, #"Int32(columns)"#, #"Int32(-1)"#, #"Int32(query)"#, #"Int(lwork)"#, #"Int(info)"#],
                 "LAPACK's 32-bit integers: dimensions checked ≤ Int32.max (checkLAPACKDimensions; sgels is a test reference with its own precondition), workspace sizes LAPACK itself returned, Int32 results widened"),
        Reviewed("PossumOpenBLAS/OpenBLASSolver.swift", [#"Int32(a.rows)"#, #"Int32(a.columns)"#, #"Int32(-1)"#, #"Int32(query)"#, #"Int(lwork)"#, #"Int(info)"#, #"Int(Int32.max)"#, #"Int32(rows)"#, #"Int32(columns)"#],
                 "LAPACK's 32-bit integers: dimensions checked ≤ Int32.max (checkLAPACKDimensions; sgels is a test reference with its own precondition), workspace sizes LAPACK itself returned, Int32 results widened"),
        Reviewed("PossumYAML/YAMLPrescan.swift", [#"Int(c >> 4)"#, #"Int(c & 15)"#],
                 "a UInt8's nibbles widened to Int: cannot trap"),
        Reviewed("PossumPipeline/ISOTime.swift", [#"Int(tm.tm_year)"#, #"Int(tm.tm_mon)"#, #"Int(tm.tm_mday)"#, #"Int(tm.tm_hour)"#, #"Int(tm.tm_min)"#, #"Int(tm.tm_sec)"#, #"Int(b - 48)"#, #"Int32(y - 1900)"#, #"Int32(mo - 1)"#, #"Int32(d)"#, #"Int32(h)"#, #"Int32(mi)"#, #"Int32(sec)"#],
                 "tm fields (Int32) widened; parsed date fields of 2–4 digits; a fraction of a second ×1000: in range (owner: dag)"),
        Reviewed("PossumPipeline/ProcessLauncher.swift", [#"Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)"#],
                 "C flag constants"),
        Reviewed("PossumPipeline/TaskProcess.swift", [#"Int32(fields[1])"#, #"Int32(fields[2])"#, #"UInt64(fields[19])"#, #"Int32($0)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumPlot/ScatterPlot.swift", [#"Int(width)"#, #"Int(height)"#],
                 "the picture's width and height: code-set sizes (640 × 520), not data"),
        Reviewed("PossumStorage/FeaturesFile.swift", [#"Int64(f.z.rows)"#],
                 "a row count widened to Int64: cannot trap"),
        Reviewed("PossumStorage/ModelFile.swift", [#"Int64(model.trainingRows)"#, #"Int(try a.get("training_rows", as: Int64.self))"#],
                 "Int and Int64 are the same width on the 64-bit platforms possum builds for"),
        Reviewed("PossumStorage/TableFile.swift", [#"Int64(plan.rows)"#, #"Int(rows)"#],
                 "Int and Int64 are the same width on the 64-bit platforms possum builds for"),
        Reviewed("PossumTracking/FileTrackingStore+Registry.swift", [#"Int(entry.dropFirst("version-".count))"#, #"Int(text.trimmingSpacesSub)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumTracking/FileTrackingStore+Registry.swift", [#"Int64(v.version)"#],
                 "a version number (Int) widened to Int64"),
        Reviewed("PossumTracking/FileTrackingStore+Runs.swift", [#"Int64(info.status.rawValue)"#, #"Int64(RunStatus.running.rawValue)"#, #"Int(statusCode)"#, #"Int(bytes[0])"#, #"Int(bytes[1])"#],
                 "a status code or byte widened; Int64 → Int, the same width on 64-bit; 6 hex digits < 2^24"),
        Reviewed("PossumTracking/FileTrackingStore+Runs.swift", [#"Int64(fields[0])"#, #"Int64(fields[2])"#, #"Int(UInt64(runID.suffix(6), radix: 16) ?? 0)"#, #"UInt64(runID.suffix(6), radix: 16)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumTracking/FileTrackingStore.swift", [#"Int(name)"#, #"Int(id)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumTracking/RESTTrackingStore.swift", [#"Int64(s)"#],
                 "String parse of a tracking server's int64 field (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumTracking/FlatYAML.swift", [#"Int64(s)"#, #"Int64(scalar.string)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumTracking/GarbageCollection.swift", [#"Int32(pidText)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumTracking/GarbageCollection.swift", [#"Int32(fields[fields.count - 2])"#],
                 "Substring parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumTracking/GarbageCollection.swift", [#"Int64(st.st_mtim.tv_sec)"#],
                 "time_t is Int64 here: the same width, cannot trap (the ×1000 is overflow-checked)"),
        Reviewed("PossumTracking/StoreFiles.swift", [#"Int(max(4096, min(Int64(st.st_size) + 1, 65536)))"#, #"Int64(st.st_size)"#],
                 "off_t is Int64, and st_size is checked ≤ the read limit on the line above; the result is clamped to 4096...65536"),
        Reviewed("PossumTracking/StoreFiles.swift", [#"Int32(entry.pointee.d_type)"#, #"Int32(DT_DIR)"#, #"Int32(DT_REG)"#, #"Int32(DT_LNK)"#, #"Int32(DT_UNKNOWN)"#],
                 "d_type is a UInt8 and DT_* are small C constants, widened: cannot trap"),
        Reviewed("PossumTracking/ProcessIdentity.swift", [#"Int64(ts.tv_sec)"#, #"Int64(ts.tv_nsec)"#],
                 "time_t and nanoseconds widened to Int64"),
        Reviewed("PossumTracking/RandomIDs.swift", [#"UInt64(shift)"#, #"Int(b >> 4)"#, #"Int(b & 0xf)"#],
                 "a shift < 64 and bytes widened: cannot trap"),
        Reviewed("PossumTracking/RunQueries.swift", [#"Int(selector)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumTracking/TrackingStore.swift", [#"UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16)"#],
                 "String parse (failable init, nil on bad text): cannot trap"),
        Reviewed("PossumTracking/TrackingStore.swift", [#"Int(PATH_MAX)"#],
                 "PATH_MAX, a C constant"),
    ]

    struct Site: CustomStringConvertible {
        var file: String
        var line: Int
        var text: String
        var description: String { "Sources/\(file):\(line): \(text)" }
    }

    /// Every non-comment line of every Swift file under Sources/, with its path relative to it.
    static func sourceLines() throws -> [(file: String, line: Int, text: String)] {
        let root = sources.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var lines: [(String, Int, String)] = []
        for case let relative as String in walker where relative.hasSuffix(".swift") {
            let text = try String(contentsOfFile: root + "/" + relative, encoding: .utf8)
            for (k, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
                lines.append((relative, k + 1, String(line)))
            }
        }
        return lines
    }

    static let conversion = try! NSRegularExpression(pattern: #"(?<![\w.])(U?Int(?:8|16|32|64)?)\("#)
    static let labeled = try! NSRegularExpression(pattern: #"^\s*[A-Za-z_]\w*\s*:"#)

    /// The unlabeled integer conversions on a line, as written (`Int(v)`), parentheses balanced.
    static func conversions(in line: String) -> [String] {
        let ns = line as NSString
        return conversion.matches(in: line, range: NSRange(location: 0, length: ns.length)).compactMap { match in
            let chars = Array(ns.substring(from: match.range.location + match.range.length).utf16)
            var depth = 1, end = 0
            while end < chars.count && depth > 0 {
                if chars[end] == 40 { depth += 1 } else if chars[end] == 41 { depth -= 1 }
                end += 1
            }
            let argument = String(decoding: chars.prefix(depth == 0 ? end - 1 : end), as: UTF16.self)
            let argumentRange = NSRange(location: 0, length: (argument as NSString).length)
            if argument.trimmingCharacters(in: .whitespaces).isEmpty || labeled.firstMatch(in: argument, range: argumentRange) != nil {
                return nil
            }
            return ns.substring(with: match.range(at: 1)) + "(" + argument + ")"
        }
    }

    @Test func detectorFindsUnlabeledConversionsOnly() {
        #expect(Self.conversions(in: #"let s = String(Int(v)) + "\(UInt32(x.rounded()))""#) == ["Int(v)", "UInt32(x.rounded())"])
        #expect(Self.conversions(in: "Int(exactly: v) ?? Int(clamping: w) + Int64(truncatingIfNeeded: z) + x.Int(a) + BigInt(b)").isEmpty)
    }

    @Test func noForcedTryInSources() throws {
        let sites = try Self.sourceLines().filter { $0.text.contains("try!") }.map { Site(file: $0.file, line: $0.line, text: "try!") }
        #expect(sites.isEmpty, "try! traps on any error; throw or handle it instead:\n\(sites.map(\.description).joined(separator: "\n"))")
    }

    /// FileHandle's Objective-C era calls (`write(_:)`, `readDataToEndOfFile()`, `seekToEndOfFile()`,
    /// …) trap on any I/O error, such as EPIPE from a child that exited: use the throwing ones
    /// (`write(contentsOf:)`, `readToEnd()`, `seekToEnd()`, `close()`).
    static let trappingFileHandleCall = try! NSRegularExpression(pattern:
        #"(?i)(filehandle[\w.]*|\bhandle)\.(write\((?!contentsOf:)|readDataToEndOfFile\(|readData\(ofLength:|seekToEndOfFile\(|seek\(toFileOffset:|truncateFile\(|synchronizeFile\(|closeFile\()"#)

    @Test func detectorFindsTrappingFileHandleCalls() {
        let found = { (line: String) in Self.trappingFileHandleCall.firstMatch(in: line, range: NSRange(location: 0, length: (line as NSString).length)) != nil }
        #expect(found("input.fileHandleForWriting.write(Data(svg.utf8))"))
        #expect(found("let data = pipe.fileHandleForReading.readDataToEndOfFile()"))
        #expect(!found("try input.fileHandleForWriting.write(contentsOf: Data(svg.utf8))"))
        #expect(found("FileHandle.standardError.write(data)"))
        #expect(!found("let n = Foundation.write(fd, buffer.baseAddress, count)"))
        #expect(!found("case .file: rc = HDF5Handle.closeFile(id)"))
    }

    @Test func noTrappingFileHandleCallsInSources() throws {
        let sites = try Self.sourceLines().filter { line in
            Self.trappingFileHandleCall.firstMatch(in: line.text, range: NSRange(location: 0, length: (line.text as NSString).length)) != nil
        }.map { Site(file: $0.file, line: $0.line, text: $0.text.trimmingCharacters(in: .whitespaces)) }
        #expect(sites.isEmpty, "FileHandle calls that trap on an I/O error; use the throwing ones:\n\(sites.map(\.description).joined(separator: "\n"))")
    }

    @Test func everyUncheckedIntegerConversionIsReviewed() throws {
        var known: [String: Set<String>] = [:]
        for r in Self.reviewed { known[r.file, default: []].formUnion(r.calls) }
        var unreviewed: [Site] = []
        for line in try Self.sourceLines() {
            for call in Self.conversions(in: line.text) where !(known[line.file]?.contains(call) ?? false) {
                unreviewed.append(Site(file: line.file, line: line.line, text: call))
            }
        }
        #expect(unreviewed.isEmpty, """
            integer conversions that trap out of range: use Int(exactly:)/Int(clamping:), or review \
            and list them in NoTrapsInSourcesTests.reviewed with why they cannot trap:
            \(unreviewed.map(\.description).joined(separator: "\n"))
            """)
    }

    /// The list stays exact: a reviewed call that is gone from its file is removed from the list,
    /// so the list never vouches for code it has not seen.
    @Test func reviewedListHasNoStaleEntries() throws {
        var present: [String: Set<String>] = [:]
        for line in try Self.sourceLines() { present[line.file, default: []].formUnion(Self.conversions(in: line.text)) }
        let stale = Self.reviewed.flatMap { r in r.calls.filter { !(present[r.file]?.contains($0) ?? false) }.map { "\(r.file): \($0)" } }
        #expect(stale.isEmpty, "no longer in Sources; remove from NoTrapsInSourcesTests.reviewed:\n\(stale.joined(separator: "\n"))")
    }

    /// Force unwraps (postfix `!`, and implicitly unwrapped declarations) per file, each file's
    /// count reviewed with why none can fail on data. A new one fails the test, and so does a
    /// reviewed one that is gone, so the table never vouches for code it has not seen: unwrap with
    /// `guard let`/`??` and an error instead, or review it and change the count here.
    static let reviewedForceUnwraps: [String: (count: Int, reason: String)] = [
        "PossumFiles/Descriptors.swift": (1, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumHDF5/HDF5Attributes.swift": (1, "a numeric element type's HDF5 file type id, always set (strings take the other branch)"),
        "PossumHDF5/HDF5Transfer.swift": (9, "numeric element types' native type ids, always set; and the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumLinalg/BlockedHouseholderQR.swift": (1, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumLinalg/CompensatedArithmetic.swift": (5, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumLinalg/Matrix.swift": (1, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumLinalg/QRWorkspace.swift": (3, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumLinalg/SIMDSolver+Paths.swift": (3, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3); and the index of a non-finite entry just found by allFinite"),
        "PossumLinalg/TallSkinnyQR.swift": (1, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumLinalg/Validation+SIMD.swift": (1, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumML/RidgeCV+RowBlocks.swift": (3, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumPipeline/CacheStore.swift": (3, "values looked up by keys taken from the same dictionaries"),
        "PossumPipeline/PipelineRunner.swift": (20, "state.tasks holds every name of state.order (built by the runner, or checked when a state file is loaded); a task's start time and duration are set before they are read"),
        "PossumPipeline/ProcessLauncher.swift": (1, "the base address of an Array's or withUnsafeTemporaryAllocation's buffer, never nil even when empty (Swift 6.3)"),
        "PossumPipeline/RunReport.swift": (4, "state.tasks holds every name of state.order (checked when the state is loaded)"),
        "PossumTracking/RunFilter.swift": (1, "one of the operator literals just matched, all of which are cases of Operator"),
    ]

    private static let forceUnwrap = try! NSRegularExpression(pattern: #"[A-Za-z0-9_\)\]]!(?!=)"#)
    private static let stringLiteral = try! NSRegularExpression(pattern: #""(?:\\.|[^"\\])*""#)

    /// The postfix `!`s of one line of code, string literals, a trailing comment, `try!` and `as!`
    /// (checked separately) left out.
    static func forceUnwraps(in line: String) -> Int {
        var code = stringLiteral.stringByReplacingMatches(in: line, range: NSRange(location: 0, length: (line as NSString).length), withTemplate: "\"\"")
        if let comment = code.range(of: "//") { code = String(code[..<comment.lowerBound]) }
        code = code.replacingOccurrences(of: "try!", with: "").replacingOccurrences(of: "as!", with: "")
        return forceUnwrap.numberOfMatches(in: code, range: NSRange(location: 0, length: (code as NSString).length))
    }

    @Test func forceUnwrapDetectorCountsPostfixBangsOnly() {
        #expect(Self.forceUnwraps(in: #"let x = a[b]! + c!.d + f()!, e != g, !h, "i!" // j!"#) == 3)
        #expect(Self.forceUnwraps(in: "let y = try! z as! Int") == 0)
    }

    @Test func everyForceUnwrapIsReviewed() throws {
        var counts: [String: Int] = [:]
        for line in try Self.sourceLines() {
            let n = Self.forceUnwraps(in: line.text)
            if n > 0 { counts[line.file, default: 0] += n }
        }
        let reviewed = Self.reviewedForceUnwraps.mapValues(\.count)
        let changed = Set(counts.keys).union(reviewed.keys).filter { counts[$0] != reviewed[$0] }.sorted()
        #expect(changed.isEmpty, """
            force unwraps trap on nil; use guard let/?? with an error, or review them and update \
            NoTrapsInSourcesTests.reviewedForceUnwraps (file: found, reviewed):
            \(changed.map { "Sources/\($0): \(counts[$0] ?? 0), \(reviewed[$0] ?? 0)" }.joined(separator: "\n"))
            """)
    }
}
