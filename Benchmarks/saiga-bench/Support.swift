import Saiga
import SaigaPosix

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

struct BenchUsage: Error { let message: String }

/// `--name value` options and positional arguments.
struct Options {
    var positional: [String] = []
    var values: [String: String] = [:]
    var flags: Set<String> = []

    init(_ argv: [String], valued: Set<String>, flags known: Set<String>) throws {
        var i = 0
        while i < argv.count {
            let a = argv[i]
            i += 1
            guard a.hasPrefix("--") else {
                positional.append(a)
                continue
            }
            let name = String(a.dropFirst(2))
            if valued.contains(name) {
                guard i < argv.count else { throw BenchUsage(message: "\(a) needs a value") }
                values[name] = argv[i]
                i += 1
            } else if known.contains(name) {
                flags.insert(name)
            } else {
                throw BenchUsage(message: "unknown option \(a)")
            }
        }
    }

    func int(_ name: String, _ d: Int) throws -> Int {
        guard let v = values[name] else { return d }
        guard let n = Int(v) else { throw BenchUsage(message: "--\(name) needs an integer") }
        return n
    }

    func double(_ name: String) throws -> Double? {
        guard let v = values[name] else { return nil }
        guard let n = Double(v) else { throw BenchUsage(message: "--\(name) needs a number") }
        return n
    }
}

enum Clock {
    static func wallNanos() -> UInt64 { Sys.monotonicNanos() }

    static func threadCPUNanos() -> UInt64 { Sys.threadCPUNanos() }

    static func peakRSSMB() -> Double { Double(Sys.peakRSSBytes()) / (1024 * 1024) }

    static func loadAverage() -> Double {
        var l = [Double](repeating: 0, count: 3)
        return getloadavg(&l, 3) > 0 ? l[0] : -1
    }
}

/// Nearest-rank percentile of sorted values (the peers harness's definition).
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let i = max(0, min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[i]
}

func round4(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }

/// One flat JSON object from ordered pairs (values already JSON-encoded).
func jsonLine(_ pairs: [(String, String)]) -> String {
    "{" + pairs.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where u.value < 0x20:
            out +=
                "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// Sum of file sizes under a directory (what the harness reports as index_bytes).
func directoryBytes(_ path: String) -> Int {
    guard let dir = opendir(path) else { return 0 }
    defer { closedir(dir) }
    var total = 0
    while let e = readdir(dir) {
        let name = withUnsafePointer(to: e.pointee.d_name) {
            $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
        }
        if name == "." || name == ".." { continue }
        var st = stat()
        if stat(path + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG { total += Int(st.st_size) }
    }
    return total
}

/// The index's bytes by component as a JSON object (`IndexStatistics.componentBytes`).
func componentsJSON(_ s: IndexStatistics) -> String {
    "{"
        + s.componentBytes.sorted { $0.key < $1.key }.map { "\"\($0.key.rawValue)\": \($0.value)" }
        .joined(separator: ", ") + "}"
}
