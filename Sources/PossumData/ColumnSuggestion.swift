import PossumFiles

/// The one error for a column name that a table does not have: it lists the columns there are
/// and, when one is a likely typo of the name asked for, says which (`did you mean 'age'?`).
func noColumnError(_ name: String, columns: [String], source: String) -> DataError {
    let suggestion = closestColumnName(to: name, among: columns).map { "; did you mean '\(messageText($0, limit: 80))'?" } ?? ""
    return DataError(file: source, "no column '\(messageText(name, limit: 80))'\(suggestion) (columns: \(messageList(columns)))")
}

/// The column a mistyped `name` most likely meant: the one that differs from it only in case,
/// else the nearest within two edits (insertions, deletions, substitutions, ignoring case) and
/// fewer edits than a third of the name's length; nil when none is (or two are equally near).
func closestColumnName(to name: String, among columns: [String]) -> String? {
    let wanted = Array(name.lowercased().unicodeScalars)
    guard !wanted.isEmpty, wanted.count <= 200 else { return nil }
    let reach = min(2, max(1, wanted.count / 3))
    var best: (name: String, distance: Int)?
    var tied = false
    for column in columns {
        let candidate = Array(column.lowercased().unicodeScalars)
        guard abs(candidate.count - wanted.count) <= reach,
              let d = editDistance(wanted, candidate, atMost: reach) else { continue }
        if best == nil || d < best?.distance ?? 0 {
            best = (column, d)
            tied = false
        } else if d == best?.distance {
            tied = true
        }
    }
    return tied ? nil : best?.name
}

/// Levenshtein distance of `a` and `b` when it is at most `limit`, else nil (stops as soon as
/// every entry of a row passes the limit, so a long name costs little).
func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], atMost limit: Int) -> Int? {
    guard !a.isEmpty else { return b.count <= limit ? b.count : nil }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        var rowMinimum = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            rowMinimum = min(rowMinimum, current[j])
        }
        if rowMinimum > limit { return nil }
        swap(&previous, &current)
    }
    return previous[b.count] <= limit ? previous[b.count] : nil
}
