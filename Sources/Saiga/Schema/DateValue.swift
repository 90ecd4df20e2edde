/// A date field's value: a UTC instant, in milliseconds since 1970-01-01T00:00:00Z (Lucene's and Elasticsearch's
/// unit, so a date-time with milliseconds keeps them and ranges compare as integers).
///
/// Written as RFC 3339: a date (`2025-12-09`, midnight UTC), or a date-time (`2025-12-09T14:30:00Z`,
/// `2025-12-09 14:30:00.250+05:00`; `T`, `t` or a space between the parts; seconds and a fraction optional; no offset
/// means UTC). Years 0000 to 9999. Epoch seconds come from JSON numbers through `init(epochSeconds:)`.
public struct DateValue: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch, UTC.
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// Seconds since the Unix epoch; nil past the years 0000...9999.
    public init?(epochSeconds: Int64) {
        guard epochSeconds >= DateValue.minSeconds && epochSeconds <= DateValue.maxSeconds else { return nil }
        milliseconds = epochSeconds * 1000
    }

    /// Midnight UTC of a calendar date; nil if it is not one (a month past 12, 30 February, a year outside
    /// 0000...9999).
    public init?(year: Int, month: Int, day: Int) {
        let (y, m, d) = (Int64(year), Int64(month), Int64(day))
        guard (0...9999).contains(y), (1...12).contains(m), d >= 1, d <= DateValue.daysInMonth(y, m) else {
            return nil
        }
        milliseconds = DateValue.daysFromCivil(y, m, d) * 86_400_000
    }

    /// Parses an RFC 3339 date or date-time; nil if `text` is not one (a wrong day of the month included).
    public init?(parsing text: String) {
        var text = text
        guard let ms = text.withUTF8({ DateValue.parse($0) }) else { return nil }
        milliseconds = ms
    }

    public static func < (a: DateValue, b: DateValue) -> Bool { a.milliseconds < b.milliseconds }

    /// `YYYY-MM-DDThh:mm:ssZ`, with `.mmm` when the milliseconds are not zero.
    public var description: String {
        // Floor division: a time before 1970 belongs to the day before.
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let msOfDay = milliseconds - days * 86_400_000
        let (y, m, d) = DateValue.civil(fromDays: days)
        let seconds = msOfDay / 1000
        var s =
            "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):"
            + pad(seconds % 60, 2)
        if msOfDay % 1000 != 0 { s += "." + pad(msOfDay % 1000, 3) }
        return s + "Z"
    }

    private func pad(_ v: Int64, _ width: Int) -> String {
        let digits = String(v)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds.
    static let minSeconds: Int64 = -62_167_219_200
    static let maxSeconds: Int64 = 253_402_300_799

    // MARK: - Parsing (bytes, no Foundation)

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        func digits(_ n: Int) -> Int64? {
            guard i + n <= b.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(0x2D), let month = digits(2), expect(0x2D), let day = digits(2) else {
            return nil
        }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month) else { return nil }
        var ms = daysFromCivil(year, month, day) * 86_400_000
        if i == b.count { return ms }
        // The time: T, t or a space; hh:mm, optional :ss and .fraction; then Z, z, ±hh:mm or nothing (UTC).
        guard b[i] == 0x54 || b[i] == 0x74 || b[i] == 0x20 else { return nil }
        i += 1
        guard let hour = digits(2), expect(0x3A), let minute = digits(2), hour <= 23, minute <= 59 else { return nil }
        var second: Int64 = 0
        var fraction: Int64 = 0
        if expect(0x3A) {
            guard let s = digits(2), s <= 59 else { return nil }
            second = s
            if expect(0x2E) {
                var n = 0
                while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                    if n < 3 { fraction = fraction * 10 + Int64(b[i] - 0x30) }
                    n += 1
                    i += 1
                }
                guard n >= 1 && n <= 9 else { return nil }
                if n < 3 { for _ in n..<3 { fraction *= 10 } }
            }
        }
        ms += ((hour * 60 + minute) * 60 + second) * 1000 + fraction
        if i == b.count { return ms }
        if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            let sign: Int64 = b[i] == 0x2B ? 1 : -1
            i += 1
            guard let oh = digits(2), expect(0x3A), let om = digits(2), oh <= 23, om <= 59 else { return nil }
            // Local time minus the offset is UTC.
            ms -= sign * (oh * 60 + om) * 60_000
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        guard ms >= minSeconds * 1000 && ms <= maxSeconds * 1000 + 999 else { return nil }
        return ms
    }

    private static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }

    private static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number (the inverse of `daysFromCivil`).
    static func civil(fromDays z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
