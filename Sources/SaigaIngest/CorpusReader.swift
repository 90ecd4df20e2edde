import Saiga
import SaigaPosix

/// How `CorpusReader` turns text files into documents.
package enum SplitMode: String, Sendable, CaseIterable {
    /// Split .txt files at headlines and .md files at `#` headings (see `ArticleSplitter`).
    case headlines
    /// One document per .txt/.md file.
    case none
}

/// A problem with one input: the file, the 1-based line (0 when it concerns the whole file) and what is wrong.
package struct IngestIssue: Error, Sendable, CustomStringConvertible {
    package var path: String
    package var line: Int
    package var message: String

    package init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    package var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
}

/// Reads documents from text files (.txt, .md), JSON Lines files (.jsonl, .jsonl.gz) and directories of them.
///
/// - .txt and .md: one or more articles per file (`SplitMode`); id `NAME#N` (NAME is the path relative to the
///   directory given, or the file name), title the headline, plus a stored `source` field `PATH:LINE`.
/// - .jsonl / .jsonl.gz (gzip detected by content): one object per line with `id` (string or number), optional
///   `title`, and `contents` (or `body`); other string, number and boolean fields are stored; `null`, arrays and
///   objects are ignored. Blank lines are skipped.
///
/// Input must be valid UTF-8. Every problem is an `IngestIssue` naming the file and line.
package final class CorpusReader {
    /// An input file and where its ids are relative to.
    package struct InputFile: Sendable, Hashable {
        package var path: String
        /// Name used in document ids.
        package var name: String
        package var size: Int
        package var kind: Kind
        package enum Kind: Sendable { case text, markdown, jsonl }
    }

    package let files: [InputFile]
    package let split: SplitMode
    /// Things worth saying that are not errors: a symbolic link loop skipped, a file reached twice and read once.
    package let notes: [String]
    /// Longest line accepted in a text or Markdown file (JSONL lines: 64 MiB). A longer line cannot fit in a
    /// document, and reading it whole would cost its size in memory first; `saiga index` sets the writer's largest
    /// document size. Default 64 MiB.
    package var maxTextLineBytes = 64 << 20
    /// Total bytes of all input files (compressed size for .gz).
    package var totalBytes: Int { files.reduce(0) { $0 + $1.size } }

    /// Resolves the inputs (files, or directories searched recursively in name order, following symbolic links).
    /// Each file is read once however many paths lead to it, and a symbolic link back to a directory being walked
    /// (a loop) is skipped with a note. Unreadable paths and unsupported file types named explicitly are reported
    /// through `issues`.
    package init(inputs: [String], split: SplitMode = .headlines, issues: inout [IngestIssue]) {
        self.split = split
        var walk = Walk()
        for input in inputs {
            var path = input
            while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
            let (type, identity, size) = CorpusReader.status(path)
            switch type {
            case .directory:
                walk.directory(path, relative: "", identity: identity, issues: &issues)
            case .regular:
                guard let kind = CorpusReader.kind(of: path) else {
                    issues.append(
                        IngestIssue(
                            path: path, line: 0,
                            message: "unsupported file type (expected .txt, .md, .jsonl or .jsonl.gz)"))
                    continue
                }
                let name = String(path.split(separator: "/").last ?? Substring(path))
                walk.file(InputFile(path: path, name: name, size: size, kind: kind), identity: identity)
            case .missing:
                issues.append(IngestIssue(path: path, line: 0, message: "no such file or directory"))
            default:
                issues.append(IngestIssue(path: path, line: 0, message: "not a regular file or directory"))
            }
        }
        self.files = walk.files
        self.notes = walk.notes
    }

    /// Type, (device, inode) and size of `path`, following symbolic links (`.missing` also for a dangling link).
    static func status(_ path: String) -> (Sys.EntryType, String, Int) {
        guard let s = Sys.status(path: path) else { return (.missing, "", 0) }
        return (s.type, s.identity, s.size)
    }

    /// Resolving inputs: files in order, each once; directories on the current path, to detect loops.
    private struct Walk {
        var files: [InputFile] = []
        var notes: [String] = []
        var seenFiles: [String: String] = [:]  // identity → first path
        var stack: [String] = []  // identities of the directories being walked

        mutating func file(_ f: InputFile, identity: String) {
            if let first = seenFiles[identity] {
                if notes.count < 50 { notes.append("\(f.path) is the same file as \(first): read once") }
                return
            }
            seenFiles[identity] = f.path
            files.append(f)
        }

        mutating func directory(_ directory: String, relative: String, identity: String, issues: inout [IngestIssue]) {
            guard !stack.contains(identity) else {
                notes.append("\(directory) leads back to a directory being read (a symbolic link loop): skipped")
                return
            }
            guard stack.count < 256 else {
                issues.append(IngestIssue(path: directory, line: 0, message: "directories nested more than 256 deep"))
                return
            }
            let names: [String]
            do { names = try Sys.listDirectory(directory).sorted() } catch {
                issues.append(IngestIssue(path: directory, line: 0, message: "cannot read directory: \(error)"))
                return
            }
            stack.append(identity)
            defer { stack.removeLast() }
            for name in names where !name.hasPrefix(".") {
                let path = directory + "/" + name
                let rel = relative.isEmpty ? name : relative + "/" + name
                let (type, id, size) = CorpusReader.status(path)
                if type == .directory {
                    self.directory(path, relative: rel, identity: id, issues: &issues)
                } else if type == .regular, let kind = CorpusReader.kind(of: name) {
                    file(InputFile(path: path, name: rel, size: size, kind: kind), identity: id)
                }
            }
        }
    }

    static func kind(of path: String) -> InputFile.Kind? {
        let lower = path.lowercased()
        if lower.hasSuffix(".txt") || lower.hasSuffix(".text") { return .text }
        if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") { return .markdown }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".jsonl.gz") || lower.hasSuffix(".ndjson") { return .jsonl }
        return nil
    }

    /// Calls `body` for every document of every file, in order, with its location. A bad document or file is
    /// passed to `onIssue`; if that returns false (stop) the issue is thrown, otherwise reading goes on with the
    /// next document. `progress` gets the input bytes consumed so far.
    package func forEachDocument(
        _ body: (Document, _ location: IngestIssue) throws -> Void,
        onIssue: (IngestIssue) -> Bool,
        progress: (Int) -> Void = { _ in }
    ) throws {
        var done = 0
        for file in files {
            switch file.kind {
            case .text, .markdown:
                try readTextFile(file, body, onIssue)
                done += file.size
                progress(done)
            case .jsonl:
                try readJSONLines(file, body, onIssue) { progress(done + $0) }
                done += file.size
                progress(done)
            }
        }
    }

    private func report(_ issue: IngestIssue, _ onIssue: (IngestIssue) -> Bool) throws {
        if !onIssue(issue) { throw issue }
    }

    private func readTextFile(
        _ file: InputFile, _ body: (Document, IngestIssue) throws -> Void,
        _ onIssue: (IngestIssue) -> Bool
    ) throws {
        // Line by line, so that a line longer than the limit is refused when the limit is reached, not after the
        // whole of it was read.
        var bytes: [UInt8] = []
        do {
            let reader = try LineReader(path: file.path, maxLineBytes: maxTextLineBytes)
            bytes.reserveCapacity(min(file.size, 1 << 30))
            try reader.forEachLine { line, _ in
                bytes.append(contentsOf: line)
                bytes.append(0x0A)
                return true
            }
        } catch let e as LineReaderError {
            try report(IngestIssue(path: file.path, line: e.line ?? 0, message: e.message), onIssue)
            return
        }
        if let encoding = CorpusReader.notUTF8Text(bytes.prefix(4096)) {
            try report(IngestIssue(path: file.path, line: 0, message: encoding), onIssue)
            return
        }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a UTF-8 byte order mark
        if let nul = bytes.firstIndex(of: 0) {
            let line = bytes[0..<nul].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            try report(
                IngestIssue(path: file.path, line: line, message: "NUL byte at byte \(nul): not a text file"), onIssue)
            return
        }
        if let bad = CorpusReader.firstInvalidUTF8(bytes) {
            let line = bytes[0..<bad].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            try report(IngestIssue(path: file.path, line: line, message: "invalid UTF-8 at byte \(bad)"), onIssue)
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        bytes = []
        if text.allSatisfy({ $0.isWhitespace }) {
            try report(IngestIssue(path: file.path, line: 0, message: "file is empty"), onIssue)
            return
        }
        let articles =
            file.kind == .markdown
            ? ArticleSplitter.splitMarkdown(text, split: split == .headlines)
            : ArticleSplitter.splitText(text, split: split == .headlines)
        for (n, a) in articles.enumerated() {
            var fields = [
                Document.Field("source", file.name), Document.Field("location", "\(file.path):\(a.line)"),
            ]
            // The date the article's text states on a line of its own, if any (first lines first).
            let lines = (a.title + "\n" + a.body).split(separator: "\n", omittingEmptySubsequences: true)
            if let date = PublicationDate.find(in: lines) { fields.append(Document.Field("date", .date(date))) }
            let doc = Document(id: "\(file.name)#\(n + 1)", title: a.title, body: a.body, fields: fields)
            try body(doc, IngestIssue(path: file.path, line: a.line, message: ""))
        }
    }

    private func readJSONLines(
        _ file: InputFile, _ body: (Document, IngestIssue) throws -> Void,
        _ onIssue: (IngestIssue) -> Bool, _ progress: (Int) -> Void
    ) throws {
        if let head = try? Sys.readFile(file.path, limit: 4096), !head.starts(with: [0x1F, 0x8B]),
            let encoding = CorpusReader.notUTF8Text(head[...])
        {
            try report(IngestIssue(path: file.path, line: 0, message: encoding), onIssue)
            return
        }
        let reader: LineReader
        do { reader = try LineReader(path: file.path) } catch {
            try report(IngestIssue(path: file.path, line: 0, message: "cannot open: \(error.message)"), onIssue)
            return
        }
        var parser = JSONObjectParser()
        var sawDocument = false
        var lines = 0
        do {
            try reader.forEachLine { line, number in
                lines = number
                if number & 0x3FF == 0 { progress(reader.bytesRead) }
                if CorpusReader.isBlank(line) { return true }
                let fields: [JSONField]
                do { fields = try JSONDocument.fieldsOf(line, parser: &parser) } catch {
                    try report(IngestIssue(path: file.path, line: number, message: "malformed JSON: \(error)"), onIssue)
                    return true
                }
                switch CorpusReader.document(from: fields) {
                case .success(let doc):
                    sawDocument = true
                    try body(doc, IngestIssue(path: file.path, line: number, message: ""))
                case .failure(let message):
                    try report(IngestIssue(path: file.path, line: number, message: message.text), onIssue)
                }
                return true
            }
        } catch let issue as IngestIssue {
            throw issue
        } catch let e as LineReaderError {
            try report(IngestIssue(path: file.path, line: e.line ?? lines, message: e.message), onIssue)
            return
        }
        if !sawDocument && lines <= 1 && file.size == 0 {
            try report(IngestIssue(path: file.path, line: 0, message: "file is empty"), onIssue)
        } else if !sawDocument && lines == 0 {
            try report(IngestIssue(path: file.path, line: 0, message: "file is empty"), onIssue)
        }
    }

    struct Message: Error { var text: String }

    /// The fields articles from text and Markdown files carry: `source`, the file they come from (a keyword, for
    /// filters and facets), `location`, the file and line where the article starts (stored), and `date`, the
    /// publication date its text states on a line of its own, when it does (docs/INGEST.md).
    package static let articleSchema = try! Schema([
        Schema.Field("source", .keyword), Schema.Field("location", .keyword, indexed: false, column: false),
        Schema.Field("date", .date),
    ])

    /// A JSON object (flattened: nested objects as `a.b`, arrays as several values) as a document: `id`, `title`,
    /// `contents` (or `body`) are the built-in fields; every other field keeps its values typed as JSON gave them
    /// (strings, integers, other numbers as floats, booleans; nulls dropped), for the schema to check.
    static func document(from fields: [JSONField]) -> Result<Document, Message> {
        var id: String?
        var title = ""
        var contents: String?
        var body: String?
        var extra: [Document.Field] = []
        for field in fields {
            let key = field.key
            let value: JSONScalar = field.values.count == 1 && !field.isArray ? field.values[0] : .composite
            switch key {
            case "id":
                switch value {
                case .string(let s): id = s
                case .number(let n): id = n
                default: return .failure(Message(text: "\"id\" must be a string or a number"))
                }
            case "title":
                switch value {
                case .string(let s): title = s
                case .null: title = ""
                default: return .failure(Message(text: "\"title\" must be a string"))
                }
            case "contents", "body":
                switch value {
                case .string(let s): if key == "contents" { contents = s } else { body = s }
                case .null: break
                default: return .failure(Message(text: "\"\(key)\" must be a string"))
                }
            default:
                for v in field.values {
                    switch v {
                    case .string(let s): extra.append(Document.Field(key, s))
                    case .number(let n):
                        if let i = Int64(n) {
                            extra.append(Document.Field(key, .integer(i)))
                        } else if let d = Double(n), d.isFinite {
                            extra.append(Document.Field(key, .float(d)))
                        } else {
                            return .failure(Message(text: "\"\(key)\": \(n) is out of range"))
                        }
                    case .bool(let b): extra.append(Document.Field(key, .boolean(b)))
                    case .null, .composite: break
                    }
                }
            }
        }
        guard let id else { return .failure(Message(text: "missing \"id\"")) }
        guard !id.isEmpty else { return .failure(Message(text: "\"id\" is empty")) }
        guard id.utf8.count <= Document.maxIDBytes else {
            return .failure(Message(text: "\"id\" is longer than \(Document.maxIDBytes) bytes"))
        }
        guard let text = contents ?? body else { return .failure(Message(text: "missing \"contents\" (or \"body\")")) }
        return .success(Document(id: id, title: title, body: text, fields: extra))
    }

    static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        for b in line where b != 0x20 && b != 0x09 && b != 0x0D { return false }
        return true
    }

    /// Why text whose first bytes are `head` is not UTF-8 (UTF-16 with or without a byte order mark, UTF-32), or
    /// nil. UTF-16 of mostly ASCII text is valid UTF-8 byte for byte (every other byte NUL), so it is told apart by
    /// where its NUL bytes are.
    static func notUTF8Text(_ head: ArraySlice<UInt8>) -> String? {
        let b = Array(head)
        let convert = "; convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)"
        if b.starts(with: [0xFF, 0xFE, 0, 0]) || b.starts(with: [0, 0, 0xFE, 0xFF]) {
            return "the file is UTF-32, not UTF-8; convert it to UTF-8 (e.g. iconv -f UTF-32 -t UTF-8)"
        }
        if b.starts(with: [0xFF, 0xFE]) {
            return "the file is UTF-16 (little-endian, with a byte order mark), not UTF-8" + convert
        }
        if b.starts(with: [0xFE, 0xFF]) {
            return "the file is UTF-16 (big-endian, with a byte order mark), not UTF-8" + convert
        }
        guard b.count >= 4 else { return nil }
        var evenNUL = 0
        var oddNUL = 0
        for (i, byte) in b.enumerated() where byte == 0 {
            if i & 1 == 0 { evenNUL += 1 } else { oddNUL += 1 }
        }
        let pairs = b.count / 2
        if oddNUL * 3 >= pairs && evenNUL * 10 < oddNUL {
            return "the file looks like UTF-16 (little-endian, no byte order mark), not UTF-8" + convert
        }
        if evenNUL * 3 >= pairs && oddNUL * 10 < evenNUL {
            return "the file looks like UTF-16 (big-endian, no byte order mark), not UTF-8" + convert
        }
        return nil
    }

    /// Offset of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { p -> Int? in
            guard let base = p.baseAddress else { return nil }
            var i = 0
            let n = p.count
            while i < n {
                if base[i] < 0x80 {
                    i += 1
                    continue
                }
                let (_, l) = Analyzer.decodeMultibyte(base, i, n)
                if l == 0 { return i }
                i += l
            }
            return nil
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
