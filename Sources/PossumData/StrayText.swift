import PossumFiles

/// The cells that make a column of numbers text: how many, and the first (its line for a CSV, its
/// row for HDF5, and its text). Such a column is one-hot encoded, a level per distinct number,
/// which is seldom what a table with a few stray cells (`1,000.5`, `<0.5`, `n/a`) meant: `data
/// show` says where they are (`text`), and train and features say so in a note (`note`), all from
/// the values the column's decision was made on (`Design.mostlyNumbers`).
public struct StrayText: Encodable, Sendable, Equatable {
    public var count: Int
    public var firstLine: Int
    public var firstValue: String
    /// Present values, numbers and not.
    public var present: Int

    enum CodingKeys: String, CodingKey {
        case count, firstLine = "first_line", firstValue = "first_value"
    }

    /// Nil unless at least half the present values are numbers and some are not.
    public init?(_ values: [String?], table: any DataTable) {
        var numbers = 0, others = 0, first: Int?
        for (r, value) in values.enumerated() {
            guard let value else { continue }
            if let v = Double(value), v.isFinite {
                numbers += 1
            } else {
                others += 1
                if first == nil { first = r }
            }
        }
        guard let first, let value = values[first], others <= numbers else { return nil }
        (count, firstLine, firstValue, present) = (others, table.rowLabel(first), value, numbers + others)
    }

    /// `; 2 of 40 values are not numbers, the first on line 7: '1,000.5'` (`data show`).
    public var text: String {
        "; \(count) of \(present) values \(count == 1 ? "is not a number" : "are not numbers"), the first on line \(firstLine): '\(messageText(firstValue, limit: 40))'"
    }

    /// The note train and features print for column `column` of `source`, one-hot encoded as
    /// `levels` levels.
    public func note(source: String, column: String, levels: Int) -> String {
        "note: \(messageText(source)): column '\(messageText(column, limit: 80))' is text, one-hot encoded as \(levels) levels, "
            + "though \(present - count) of its \(present) values are numbers; the first that is not is on line \(firstLine): "
            + "'\(messageText(firstValue, limit: 40))' (NA marks a missing value; --numeric \(messageText(column, limit: 80)) names such cells as errors)"
    }
}
