import Foundation
import PossumData
import PossumFiles

/// The body of a `POST /invocations`, in the forms MLflow's scoring server takes, turned into a
/// table of text cells: a `CSVTable`, so that a request's cells are read (missing values, numbers,
/// category levels) by exactly the code that reads `possum predict`'s CSV.
public enum ScoringInput {
    /// The four top-level keys of MLflow's JSON input; exactly one is given.
    public static let jsonKeys = ["dataframe_split", "dataframe_records", "instances", "inputs"]

    /// Row numbers in messages: a CSV body's file lines (the header is line 1), a JSON body's rows (from 1).
    public enum RowLabel: Sendable { case csvLine, jsonRow }

    /// The table a request stands for, by its `Content-Type` (parameters such as `charset` or
    /// MLflow's old `format=pandas-split` are ignored: the JSON body says its form itself).
    public static func table(body: [UInt8], contentType: String?) throws(ScoringError) -> (CSVTable, RowLabel) {
        let mediaType = contentType.map { $0.split(separator: ";", maxSplits: 1).first.map(String.init) ?? "" }?
            .trimmingCharacters(in: .whitespaces).lowercased()
        switch mediaType {
        case "application/json": return (try json(body), .jsonRow)
        case "text/csv": return (try csv(body), .csvLine)
        default: throw .unsupportedContentType(contentType)
        }
    }

    static func text(_ body: [UInt8]) throws(ScoringError) -> String {
        guard let text = String(validating: body, as: UTF8.self) else { throw ScoringError("request body is not valid UTF-8") }
        return text
    }

    /// A CSV body: a header line, then one line per row (pandas' `to_csv(index=False)`).
    public static func csv(_ body: [UInt8]) throws(ScoringError) -> CSVTable {
        do {
            return try CSVTable.parse(try text(body), source: "request")
        } catch let error as ScoringError {
            throw error
        } catch let error as DataError {
            throw ScoringError(describe(error, rows: .csvLine))
        } catch {
            throw ScoringError("CSV body: \(messageText("\(error)", limit: 300))")
        }
    }

    /// A JSON body: `{"dataframe_split": {"columns": [...], "data": [[...], ...]}}`,
    /// `{"dataframe_records": [{column: value, ...}, ...]}`, or `{"instances"|"inputs": ...}` with a
    /// list of records or an object of columns (each a list of values, or one value for one row).
    public static func json(_ body: [UInt8]) throws(ScoringError) -> CSVTable {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            throw ScoringError("malformed JSON: \(messageText(jsonErrorSummary(error, body: body), limit: 300))")
        }
        guard case .object(let top) = value else {
            throw ScoringError("the JSON body must be an object with one of the keys \(jsonKeys.joined(separator: ", "))")
        }
        let given = jsonKeys.filter { top[$0] != nil }
        guard given.count == 1, let key = given.first, let input = top[key] else {
            throw ScoringError("the JSON body must have exactly one of the keys \(jsonKeys.joined(separator: ", ")); "
                               + "it has \(top.keys.isEmpty ? "none" : top.keys.sorted().map { "'\(messageText($0, limit: 40))'" }.joined(separator: ", "))")
        }
        switch key {
        case "dataframe_split": return try split(input)
        case "dataframe_records": return try records(input, key: key)
        default:
            if case .object(let columns) = input { return try columnar(columns, key: key) }
            return try records(input, key: key)
        }
    }

    static func split(_ input: JSONValue) throws(ScoringError) -> CSVTable {
        guard case .object(let frame) = input else {
            throw ScoringError("dataframe_split must be an object with 'columns' and 'data'")
        }
        guard case .array(let names)? = frame["columns"] else {
            throw ScoringError("dataframe_split needs 'columns', a list of column names (pandas' to_dict(orient='split'))")
        }
        let header = try names.enumerated().map { (k, name) throws(ScoringError) -> String in
            guard case .string(let s) = name else { throw ScoringError("dataframe_split: column name \(k + 1) is not a string") }
            return s
        }
        guard case .array(let data)? = frame["data"] else {
            throw ScoringError("dataframe_split needs 'data', a list of rows")
        }
        var rows: [[String]] = []
        rows.reserveCapacity(data.count)
        for (r, row) in data.enumerated() {
            guard case .array(let values) = row else { throw ScoringError("dataframe_split: row \(r + 1) of 'data' is not a list") }
            guard values.count == header.count else {
                throw ScoringError("dataframe_split: row \(r + 1) has \(values.count) values; 'columns' names \(header.count)")
            }
            rows.append(try values.enumerated().map { (k, v) throws(ScoringError) in try cell(v, row: r, column: header[k]) })
        }
        return try table(header: header, rows: rows)
    }

    static func records(_ input: JSONValue, key: String) throws(ScoringError) -> CSVTable {
        guard case .array(let list) = input else {
            throw ScoringError("\(key) must be a list of records ({column: value}) or an object of columns")
        }
        var header: [String] = []
        var index: [String: Int] = [:]
        var objects: [[String: JSONValue]] = []
        objects.reserveCapacity(list.count)
        for (r, item) in list.enumerated() {
            guard case .object(let record) = item else {
                throw ScoringError("\(key): item \(r + 1) is not an object: possum needs column names ({column: value})")
            }
            for name in record.keys.sorted() where index[name] == nil {
                index[name] = header.count
                header.append(name)
            }
            objects.append(record)
        }
        // A column absent from a record is a missing value there, as pandas' DataFrame(records) makes it.
        var rows: [[String]] = []
        rows.reserveCapacity(objects.count)
        for (r, record) in objects.enumerated() {
            rows.append(try header.map { (name) throws(ScoringError) in try record[name].map { v throws(ScoringError) in try cell(v, row: r, column: name) } ?? "" })
        }
        return try table(header: header, rows: rows)
    }

    static func columnar(_ columns: [String: JSONValue], key: String) throws(ScoringError) -> CSVTable {
        let header = columns.keys.sorted()
        var lists: [[JSONValue]] = []
        for name in header {
            switch columns[name] {
            case .array(let values)?: lists.append(values)
            case let scalar?: lists.append([scalar])
            case nil: lists.append([])
            }
        }
        let count = lists.first?.count ?? 0
        if let k = lists.firstIndex(where: { $0.count != count }) {
            throw ScoringError("\(key): column '\(messageText(header[k], limit: 80))' has \(lists[k].count) values, "
                               + "column '\(messageText(header[0], limit: 80))' has \(count): every column needs one per row")
        }
        var rows: [[String]] = []
        rows.reserveCapacity(count)
        for r in 0..<count {
            rows.append(try header.indices.map { (k) throws(ScoringError) in try cell(lists[k][r], row: r, column: header[k]) })
        }
        return try table(header: header, rows: rows)
    }

    /// A cell as CSV text: a number in its shortest round-trip form (so the CSV reader gets the same
    /// double back), text as it is, null as missing.
    static func cell(_ value: JSONValue, row r: Int, column: String) throws(ScoringError) -> String {
        switch value {
        case .null: return ""
        case .number(let v): return "\(v)"
        case .string(let s): return s
        case .bool, .array, .object:
            throw ScoringError("row \(r + 1), column '\(messageText(column, limit: 80))': \(value.kind) is not a number or text")
        }
    }

    static func table(header: [String], rows: [[String]]) throws(ScoringError) -> CSVTable {
        var seen = Set<String>()
        for name in header {
            if name.trimmingCharacters(in: .whitespaces).isEmpty { throw ScoringError("a column name is empty") }
            if !seen.insert(name).inserted { throw ScoringError("column '\(messageText(name, limit: 80))' appears twice") }
        }
        return CSVTable(source: "request", header: header, rows: rows, lines: rows.indices.map { $0 + 1 })
    }

    /// A table's error as the response says it: where (CSV line or JSON row, column) and what.
    public static func describe(_ error: DataError, rows: RowLabel) -> String {
        var s = ""
        if let line = error.line { s += rows == .csvLine ? "line \(line)" : "row \(line)" }
        if let column = error.column { s += (s.isEmpty ? "" : ", ") + "column '\(messageText(column, limit: 80))'" }
        return (s.isEmpty ? "" : s + ": ") + messageText(error.message, limit: 1000)
    }

    /// Where and why: JSONDecoder on Linux says only "not valid JSON", so on that path the body is
    /// parsed again by JSONSerialization, whose error says what and at which character.
    static func jsonErrorSummary(_ error: Error, body: [UInt8]) -> String {
        guard let e = error as? DecodingError else { return "\(error)" }
        if case .dataCorrupted(let c) = e, c.codingPath.isEmpty, c.underlyingError == nil {
            do {
                _ = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
            } catch {
                if let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String { return reason }
            }
        }
        let context: DecodingError.Context
        switch e {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c): context = c
        @unknown default: return "\(e)"
        }
        let reason = context.underlyingError.map { "\($0)" } ?? context.debugDescription
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return path.isEmpty ? reason : "at \(path.hasPrefix(".") ? String(path.dropFirst()) : path): \(reason)"
    }
}

/// Any JSON value. Object key order is not kept: columns are matched by name.
indirect enum JSONValue: Decodable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    /// Tries each kind in turn; a type mismatch at this value means "not this kind", any other
    /// error (a number too large for a double, a bad value deeper down) is the answer.
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let depth = decoder.codingPath.count
        func isMismatchHere(_ error: DecodingError) -> Bool {
            if case .typeMismatch(_, let context) = error { return context.codingPath.count == depth }
            return false
        }
        if c.decodeNil() { self = .null; return }
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        do { self = .number(try c.decode(Double.self)); return } catch let e as DecodingError where isMismatchHere(e) {}
        if let s = try? c.decode(String.self) { self = .string(s); return }
        do { self = .array(try c.decode([JSONValue].self)); return } catch let e as DecodingError where isMismatchHere(e) {}
        self = .object(try c.decode([String: JSONValue].self))
    }

    var kind: String {
        switch self {
        case .null: "null"
        case .bool(let b): "\(b)"
        case .number: "a number"
        case .string: "text"
        case .array: "a list"
        case .object: "an object"
        }
    }
}
