/// A command line split into options and positional arguments, in the spirit of swift-argument-parser but with
/// no dependency: `--name value`, `--name=value`, `-k 10`, boolean `--flag`, and `--` to end options.
///
/// Long options take exactly two dashes, one-letter options one or two (`-k1 2` is not `--k1 2`). A word with one dash
/// and more letters (`-oil`) is an error, or, for commands whose positional arguments are query text
/// (`dashWordsArePositional`), part of the text: `saiga search kazakhstan -oil` excludes oil.
struct Arguments {
    private(set) var positional: [String] = []
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    /// Parses `args` given the options that take a value and the boolean flags (names without dashes; one-letter
    /// names are written with one dash). Throws `UsageError` for anything unknown.
    init(_ args: [String], valueOptions: Set<String>, flagOptions: Set<String>,
         dashWordsArePositional: Bool = false) throws(UsageError) {
        var i = 0
        var onlyPositional = false
        while i < args.count {
            let a = args[i]
            i += 1
            if onlyPositional || !a.hasPrefix("-") || a == "-" || Arguments.isNumber(a) {
                positional.append(a)
                continue
            }
            if a == "--" {
                onlyPositional = true
                continue
            }
            if !a.hasPrefix("--") {
                // One dash: a known one-letter option, or else a dash word.
                let letters = a.dropFirst()
                let known = letters.count == 1 && (valueOptions.contains(String(letters)) || flagOptions.contains(String(letters)))
                if !known {
                    if dashWordsArePositional {
                        positional.append(a)
                        continue
                    }
                    throw UsageError(letters.count == 1 ? "unknown option \(a)"
                        : "unknown option \(a) (long options take two dashes: -\(a))")
                }
            }
            var name = String(a.drop { $0 == "-" })
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if valueOptions.contains(name) {
                if let inline {
                    values[name] = inline
                } else {
                    guard i < args.count else { throw UsageError("option \(a) needs a value") }
                    values[name] = args[i]
                    i += 1
                }
            } else if flagOptions.contains(name) {
                guard inline == nil else { throw UsageError("option --\(name) takes no value") }
                flags.insert(name)
            } else {
                throw UsageError("unknown option \(a)")
            }
        }
    }

    private static func isNumber(_ s: String) -> Bool { Double(s) != nil }

    func flag(_ name: String) -> Bool { flags.contains(name) }
    func value(_ name: String) -> String? { values[name] }

    func int(_ name: String, default d: Int, range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let v = values[name] else { return d }
        guard let n = Int(v), range.contains(n) else {
            throw UsageError("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound) (got \"\(v)\")")
        }
        return n
    }

    func float(_ name: String) throws(UsageError) -> Float? {
        guard let v = values[name] else { return nil }
        guard let f = Float(v), f.isFinite else { throw UsageError("--\(name) must be a number (got \"\(v)\")") }
        return f
    }
}

/// Wrong command-line usage: printed with a hint, exit status 64 (EX_USAGE).
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
