/// How `CorpusReader` turns text files into documents.
public enum SplitMode: String, Sendable, CaseIterable {
    /// Split .txt files at headlines and .md files at `#` headings (see `ArticleSplitter`).
    case headlines
    /// One document per .txt/.md file.
    case none
}

/// A problem with one input: the file, the 1-based line (0 when it concerns the whole file) and what is wrong.
public struct IngestIssue: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int
    public var message: String

    public init(path: String, line: Int, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(path):\(line): \(message)" : "\(path): \(message)" }
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
public final class CorpusReader {
    /// An input file and where its ids are relative to.
    public struct InputFile: Sendable, Hashable {
        public var path: String
        /// Name used in document ids.
        public var name: String
        public var size: Int
        public var kind: Kind
        public enum Kind: Sendable { case text, markdown, jsonl }
    }

    public let files: [InputFile]
    public let split: SplitMode
    /// Total bytes of all input files (compressed size for .gz).
    public var totalBytes: Int { files.reduce(0) { $0 + $1.size } }

    /// Resolves the inputs (files, or directories searched recursively in name order).
    /// Unreadable paths and unsupported file types named explicitly are reported through `issues`.
    public init(inputs: [String], split: SplitMode = .headlines, issues: inout [IngestIssue]) {
        self.split = split
        var files: [InputFile] = []
        for input in inputs {
            var path = input
            while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
            if Sys.isDirectory(path) {
                CorpusReader.walk(directory: path, relative: "", into: &files, issues: &issues)
            } else if Sys.isRegularFile(path) {
                guard let kind = CorpusReader.kind(of: path) else {
                    issues.append(IngestIssue(path: path, line: 0,
                                              message: "unsupported file type (expected .txt, .md, .jsonl or .jsonl.gz)"))
                    continue
                }
                let name = String(path.split(separator: "/").last ?? Substring(path))
                files.append(InputFile(path: path, name: name, size: Sys.fileSizeOrZero(path), kind: kind))
            } else if Sys.exists(path) {
                issues.append(IngestIssue(path: path, line: 0, message: "not a regular file or directory"))
            } else {
                issues.append(IngestIssue(path: path, line: 0, message: "no such file or directory"))
            }
        }
        self.files = files
    }

    static func kind(of path: String) -> InputFile.Kind? {
        let lower = path.lowercased()
        if lower.hasSuffix(".txt") || lower.hasSuffix(".text") { return .text }
        if lower.hasSuffix(".md") || lower.hasSuffix(".markdown") { return .markdown }
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".jsonl.gz") || lower.hasSuffix(".ndjson") { return .jsonl }
        return nil
    }

    private static func walk(directory: String, relative: String, into files: inout [InputFile],
                             issues: inout [IngestIssue]) {
        let names: [String]
        do { names = try Sys.listDirectory(directory).sorted() } catch {
            issues.append(IngestIssue(path: directory, line: 0, message: "cannot read directory: \(error)"))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let path = directory + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            if Sys.isDirectory(path) {
                walk(directory: path, relative: rel, into: &files, issues: &issues)
            } else if let kind = kind(of: name), Sys.isRegularFile(path) {
                files.append(InputFile(path: path, name: rel, size: Sys.fileSizeOrZero(path), kind: kind))
            }
        }
    }

    /// Calls `body` for every document of every file, in order, with its location. A bad document or file is
    /// passed to `onIssue`; if that returns false (stop) the issue is thrown, otherwise reading goes on with the
    /// next document. `progress` gets the input bytes consumed so far.
    public func forEachDocument(
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

    private func readTextFile(_ file: InputFile, _ body: (Document, IngestIssue) throws -> Void,
                              _ onIssue: (IngestIssue) -> Bool) throws {
        let bytes: [UInt8]
        do { bytes = try CorpusReader.readWholeFile(file.path) } catch {
            try report(IngestIssue(path: file.path, line: 0, message: "cannot read: \(error)"), onIssue)
            return
        }
        if let bad = CorpusReader.firstInvalidUTF8(bytes) {
            let line = bytes[0..<bad].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            try report(IngestIssue(path: file.path, line: line, message: "invalid UTF-8 at byte \(bad)"), onIssue)
            return
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if text.allSatisfy({ $0.isWhitespace }) {
            try report(IngestIssue(path: file.path, line: 0, message: "file is empty"), onIssue)
            return
        }
        let articles = file.kind == .markdown
            ? ArticleSplitter.splitMarkdown(text, split: split == .headlines)
            : ArticleSplitter.splitText(text, split: split == .headlines)
        for (n, a) in articles.enumerated() {
            let doc = Document(id: "\(file.name)#\(n + 1)", title: a.title, body: a.body,
                               fields: [Document.Field("source", "\(file.path):\(a.line)")])
            try body(doc, IngestIssue(path: file.path, line: a.line, message: ""))
        }
    }

    private func readJSONLines(_ file: InputFile, _ body: (Document, IngestIssue) throws -> Void,
                               _ onIssue: (IngestIssue) -> Bool, _ progress: (Int) -> Void) throws {
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
                let fields: [(key: String, value: JSONScalar)]
                do { fields = try parser.parse(line) } catch {
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

    static func document(from fields: [(key: String, value: JSONScalar)]) -> Result<Document, Message> {
        var id: String?
        var title = ""
        var contents: String?
        var body: String?
        var extra: [Document.Field] = []
        for (key, value) in fields {
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
                switch value {
                case .string(let s): extra.append(Document.Field(key, s))
                case .number(let n): extra.append(Document.Field(key, n))
                case .bool(let b): extra.append(Document.Field(key, b ? "true" : "false"))
                case .null, .composite: break
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

    static func readWholeFile(_ path: String) throws(SystemError) -> [UInt8] {
        let fd = try Sys.open(path, O_RDONLY)
        defer { Sys.close(fd) }
        let size = try Sys.fileSize(fd, path: path)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        defer { buffer.deallocate() }
        let got = size > 0 ? try Sys.preadFully(fd, buffer, size, at: 0, path: path) : 0
        return Array(UnsafeRawBufferPointer(start: buffer, count: got))
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
