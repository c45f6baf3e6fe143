// The one sanitizer for text that came from a user, a file or an argument and is about to be put
// into a one-line message: a CR, NUL or escape sequence in a file name or a CSV field must not
// break the line or drive the terminal, and a 50 MB field must not become a 50 MB message.

/// `text` made safe for a one-line message: control characters (C0, DEL, C1), line and paragraph
/// separators, bidirectional overrides and the BOM are escaped (`\n`, `\r`, `\t`, `\u{0}`, …), and
/// past `limit` characters (Unicode scalars of the input) the rest is cut and marked with "…".
/// Backslashes are left alone, so applying it twice changes nothing more.
public func messageText(_ text: String, limit: Int = 200) -> String {
    var out = String.UnicodeScalarView()
    var count = 0
    for scalar in text.unicodeScalars {
        if count >= max(0, limit) {
            out.append("…")
            return String(out)
        }
        count += 1
        switch scalar {
        case "\n": out.append(contentsOf: "\\n".unicodeScalars)
        case "\r": out.append(contentsOf: "\\r".unicodeScalars)
        case "\t": out.append(contentsOf: "\\t".unicodeScalars)
        default:
            if needsEscape(scalar) {
                out.append(contentsOf: "\\u{\(String(scalar.value, radix: 16))}".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
    }
    return String(out)
}

/// A list of names for a message: at most `limit` of them, each sanitized, then "… and N more",
/// so that a table of 10,000 columns does not make a 69 KB error line.
public func messageList(_ items: [String], limit: Int = 10) -> String {
    let shown = items.prefix(max(0, limit)).map { messageText($0, limit: 60) }
    let rest = items.count - shown.count
    return shown.joined(separator: ", ") + (rest > 0 ? (shown.isEmpty ? "" : ", ") + "… and \(rest) more" : "")
}

private func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x00...0x1F, 0x7F...0x9F: return true          // C0, DEL, C1
    case 0x2028, 0x2029: return true                    // line and paragraph separators
    case 0x202A...0x202E, 0x2066...0x2069: return true  // bidirectional embeddings and overrides
    case 0xFEFF: return true                            // byte-order mark / zero-width no-break space
    default: return false
    }
}
