// Random identifiers: MLflow-style run ids (uuid4 hex) and the bytes behind run names.

/// `count` random bytes from the system generator, drawn 8 at a time: one `getrandom` call per
/// 64 bits instead of one per byte (a run id cost 16 system calls before).
func randomBytes(_ count: Int) -> [UInt8] {
    var g = SystemRandomNumberGenerator()
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count + 7)
    while bytes.count < count {
        let word = g.next()
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
    }
    return Array(bytes.prefix(count))
}

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0xf)]) }
    return String(decoding: out, as: UTF8.self)
}

/// A uuid4 as 32 hex digits, the form MLflow uses for run ids (`uuid.uuid4().hex`).
func uuid4Hex() -> String {
    var b = randomBytes(16)
    b[6] = (b[6] & 0x0f) | 0x40  // version 4
    b[8] = (b[8] & 0x3f) | 0x80  // RFC 4122 variant
    return hex(b)
}
