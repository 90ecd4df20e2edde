import Saiga
import SaigaPosix
import SaigaWire
import Synchronization

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Output helpers: stdout/stderr writes, TTY detection, number formatting.
enum Terminal {
    static let stdoutIsTTY = isatty(1) == 1
    static let stderrIsTTY = isatty(2) == 1
    /// errno of the first failed write to stdout (0: none). `main` turns it into exit status 1: output that did
    /// not arrive (a full disk, a closed pipe) is a failure, never a silent success.
    static let stdoutError = Atomic<Int32>(0)

    static func out(_ s: String) {
        var line = s
        line.append("\n")
        write(1, line)
    }

    /// Writes a line to stderr, with control characters made visible (messages quote paths, ids and text).
    static func err(_ s: String) {
        var line = visible(s)
        line.append("\n")
        write(2, line)
    }

    /// `s` with the characters that would act on a terminal made visible: C0 controls (an escape sequence in a
    /// document's title must not reach the terminal raw) as `\x1b`, DEL, C1 controls and the bidirectional
    /// overrides as `\u{…}`. Line breaks and tabs become spaces (one hit, one line).
    static func visible(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
            if !isControl(u) {
                out.unicodeScalars.append(u)
            } else if u == "\n" || u == "\r" || u == "\t" {
                out.unicodeScalars.append(" ")
            } else if u.value < 0x20 || u.value == 0x7F {
                let h = String(u.value, radix: 16)
                out += "\\x" + (h.count == 1 ? "0" + h : h)
            } else {
                out += "\\u{" + String(u.value, radix: 16) + "}"
            }
        }
        return out
    }

    private static func isControl(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// Rewrites the current stderr line (progress display on a terminal).
    static func status(_ s: String) {
        write(2, "\r\u{1B}[K" + s)
    }

    static func clearStatus() { write(2, "\r\u{1B}[K") }

    static func write(_ fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + off, buf.count - off)
                if n > 0 {
                    off += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    if fd == 1 {
                        _ = stdoutError.compareExchange(expected: 0, desired: n < 0 ? errno : EIO, ordering: .relaxed)
                    }
                    return
                }
            }
        }
    }

    /// 1234567 → "1,234,567".
    static func grouped(_ n: Int) -> String {
        let s = String(n.magnitude)
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return n < 0 ? "-" + out : out
    }

    static func bytes(_ n: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var v = Double(n)
        var u = 0
        while v >= 1000 && u < units.count - 1 {
            v /= 1000
            u += 1
        }
        return u == 0 ? "\(n) B" : fixed(v, 1) + " " + units[u]
    }

    static func fixed(_ v: Double, _ digits: Int) -> String {
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (v * p).rounded() / p
        var s = String(r)
        if let dot = s.firstIndex(of: ".") {
            let decimals = s.distance(from: dot, to: s.endIndex) - 1
            if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
        } else if digits > 0 {
            s += "." + String(repeating: "0", count: digits)
        }
        return s
    }

    static func duration(_ seconds: Double) -> String {
        if !seconds.isFinite || seconds < 0 { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600):\(pad(s / 60 % 60)):\(pad(s % 60))" : "\(s / 60):\(pad(s % 60))"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static func now() -> Double { Posix.monotonicSeconds() }
}

/// Minimal JSON writing: enough for our flat result objects, with correct string escaping.
enum JSON {
    static func string(_ s: String) -> String { JSONText.quoted(s) }

    /// A float as JSON: shortest round-trip representation.
    static func number(_ f: Float) -> String { f.isFinite ? "\(f)" : "0" }
    static func number(_ d: Double) -> String { d.isFinite ? "\(d)" : "0" }

    static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    /// A field value as JSON: numbers and booleans as themselves, strings and dates (RFC 3339) as strings; nil as
    /// null.
    static func value(_ v: FieldValue?) -> String {
        switch v {
        case nil: return "null"
        case .string(let s)?: return string(s)
        case .integer(let i)?: return String(i)
        case .float(let d)?: return number(d)
        case .boolean(let b)?: return b ? "true" : "false"
        case .date(let d)?: return string(d.description)
        }
    }

    /// `{"field": …, "buckets": [{"value", "to"?, "count"}], "other"?}` per facet, keyed by the spec as given.
    static func facets(_ facets: [FacetResult], specs: [String]) -> String {
        object(
            zip(specs, facets).map { spec, f in
                var pairs: [(String, String)] = [
                    ("field", string(f.request.field)),
                    (
                        "buckets",
                        array(
                            f.buckets.map { b in
                                var p: [(String, String)] = [("value", value(b.value))]
                                if case .terms = f.request.kind {} else { p.append(("to", value(b.upper))) }
                                p.append(("count", String(b.count)))
                                return object(p)
                            })
                    ),
                ]
                if case .terms = f.request.kind { pairs.append(("other", String(f.otherCount))) }
                return (spec, object(pairs))
            })
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation in the tool).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
