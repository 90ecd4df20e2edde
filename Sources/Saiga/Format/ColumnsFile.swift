import Synchronization

/// A segment's `.cols` file: the columns (doc values) and point indexes of its structured fields, each a
/// `NumericColumn`, `KeywordColumn` or `PointIndex`, with a directory at the end.
///
///     header       28 bytes (`FileHeader`, kind COLS)
///     structures   the entries' bytes, back to back
///     directory    entries VInt; per entry: field VInt, kind u8 (1 numeric column, 2 keyword column, 3 points),
///                  offset VInt (from the start of the file), length VInt
///     directoryAt  u64    where the directory starts
///     footer       16 bytes (`FileFooter`)
///
/// Entries are sorted by (field, kind), at most one of each. The writer (`ColumnsBuilder`), the reader
/// (`ColumnsReader`) and the checker share this layout.
enum ColumnsFile {
    enum Kind: UInt8, Sendable {
        case numeric = 1
        case keyword = 2
        case points = 3
    }
}

/// Accumulates a segment's structured values, document by document, and writes the `.cols` file: used by flushes
/// (values from documents) and merges (values from the source segments' columns).
struct ColumnsBuilder {
    /// A numeric field's (document, value) pairs in document order, values sorted within a document.
    private var numeric: [Int: [(doc: Int32, value: Int64)]] = [:]
    /// A keyword field's distinct values (in order of first appearance) and (document, value index) pairs.
    private var keywordValues: [Int: [[UInt8]]] = [:]
    private var keywordIDs: [Int: [[UInt8]: Int32]] = [:]
    private var keywordPairs: [Int: [(doc: Int32, value: Int32)]] = [:]
    /// The field flags (`.column`, `.points`) and kind of each field that has an entry.
    private let layout: [Int: (isKeyword: Bool, flags: FieldFlags)]

    /// The fields of `layout` with `.column` or `.points` get entries (keywords: a column; numbers: a column
    /// and/or points).
    init(_ layout: FieldLayout) {
        var entries: [Int: (Bool, FieldFlags)] = [:]
        for f in layout.fields where !f.flags.isDisjoint(with: [.column, .points]) {
            entries[f.number] = (layout.schema.fields[f.number].type == .keyword, f.flags)
        }
        self.layout = entries
    }

    /// Bytes held (for the RAM budget).
    private(set) var bytesUsed = 0

    /// True if `field` keeps values here.
    func keeps(_ field: Int) -> Bool { layout[field] != nil }

    /// Adds a numeric value of document `doc`; a document's values must come together, documents in increasing order.
    mutating func add(field: Int, doc: Int32, value: Int64) {
        numeric[field, default: []].append((doc, value))
        bytesUsed &+= 16
    }

    /// Adds a keyword value of document `doc` (documents in increasing order).
    mutating func add(field: Int, doc: Int32, keyword: UnsafeRawBufferPointer) {
        let bytes = Array(keyword)
        let id: Int32
        if let known = keywordIDs[field]?[bytes] {
            id = known
        } else {
            id = Int32(keywordValues[field, default: []].count)
            keywordValues[field, default: []].append(bytes)
            keywordIDs[field, default: [:]][bytes] = id
            bytesUsed &+= 2 * bytes.count + 48
        }
        keywordPairs[field, default: []].append((doc, id))
        bytesUsed &+= 8
    }

    /// Writes the structures and the directory to `out` (after its header).
    func write(to out: OutputFile, maxDoc: Int) throws(SaigaError) {
        var directory: [(field: Int, kind: ColumnsFile.Kind, offset: Int, length: Int)] = []
        func put(_ field: Int, _ kind: ColumnsFile.Kind, _ bytes: [UInt8]) throws(SaigaError) {
            directory.append((field, kind, out.position, bytes.count))
            try out.write(bytes)
        }
        for field in layout.keys.sorted() {
            let (isKeyword, flags) = layout[field]!
            if isKeyword {
                guard flags.contains(.column) else { continue }
                try put(
                    field, .keyword,
                    KeywordColumn.encode(
                        count: maxDoc, values: keywordValues[field] ?? [], pairs: keywordPairs[field] ?? []))
            } else {
                var pairs = numeric[field] ?? []
                // Values within a document in increasing order (documents already are).
                var i = 0
                while i < pairs.count {
                    var j = i + 1
                    while j < pairs.count && pairs[j].doc == pairs[i].doc { j += 1 }
                    if j - i > 1 { pairs[i..<j].sort { $0.value < $1.value } }
                    i = j
                }
                if flags.contains(.column) {
                    try put(field, .numeric, NumericColumn.encode(count: maxDoc, pairs: pairs))
                }
                if flags.contains(.points) { try put(field, .points, PointIndex.encode(pairs, maxDoc: maxDoc)) }
            }
        }
        var w = ByteWriter()
        let directoryAt = out.position
        w.writeVInt(directory.count)
        for e in directory {
            w.writeVInt(e.field)
            w.writeU8(e.kind.rawValue)
            w.writeVInt(e.offset)
            w.writeVInt(e.length)
        }
        w.writeU64(UInt64(directoryAt))
        try out.write(w)
    }
}

/// The `.cols` file of an open segment. The directory is read and its chunks verified at open; each structure's
/// header is decoded at open too (a few bytes, bounds-checked), and its chunks verified and its contents checked
/// (`check()`: sorted values, ordinals in range, starts increasing) the first time a search uses it, so that opening
/// costs no pass over the data and no answer comes from a damaged or inconsistent column.
///
/// `@unchecked Sendable`: immutable after `init` but for the atomic "ready" flags; the mapping is never written.
final class ColumnsReader: @unchecked Sendable {
    enum Structure {
        case numeric(NumericColumn)
        case keyword(KeywordColumn)
        case points(PointIndex)
    }

    private final class Entry: @unchecked Sendable {
        let field: Int
        let kind: ColumnsFile.Kind
        let range: Range<Int>
        let structure: Structure
        let ready = Atomic<Bool>(false)

        init(field: Int, kind: ColumnsFile.Kind, range: Range<Int>, structure: Structure) {
            self.field = field
            self.kind = kind
            self.range = range
            self.structure = structure
        }
    }

    let file: MappedFile
    private let entries: [Entry]
    private let byField: [Int: [Entry]]

    init(file: MappedFile, maxDoc: Int) throws(SaigaError) {
        self.file = file
        let body = FileFooter.body(file.bytes)
        let base = file.bytes.baseAddress!
        var entries: [Entry] = []
        do {
            guard body.count >= 8 else { throw DecodeError(offset: body.lowerBound, reason: "columns file too short") }
            let trailer = body.upperBound - 8
            try file.check(trailer..<body.upperBound)
            let at = Int(
                truncatingIfNeeded: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: trailer, as: UInt64.self)))
            guard at >= body.lowerBound, at <= trailer else {
                throw DecodeError(offset: trailer, reason: "columns directory offset out of range")
            }
            try file.check(at..<trailer)
            var c = ByteCursor(base: base, start: at, end: trailer)
            let count = try c.readLength()
            var previous: (Int, UInt8) = (-1, 0)
            for _ in 0..<count {
                let field = Int(try c.readVInt32())
                guard let kind = ColumnsFile.Kind(rawValue: try c.readU8()) else {
                    throw DecodeError(offset: c.position - 1, reason: "unknown column kind")
                }
                let offset = Int(truncatingIfNeeded: try c.readVInt())
                let length = Int(truncatingIfNeeded: try c.readVInt())
                guard field < 256, (field, kind.rawValue) > previous, offset >= body.lowerBound, offset <= at,
                    length >= 0, length <= at - offset
                else {
                    throw DecodeError(offset: c.position, reason: "columns directory is inconsistent")
                }
                previous = (field, kind.rawValue)
                var s = ByteCursor(base: base, start: offset, end: offset + length)
                let structure: Structure
                switch kind {
                case .numeric: structure = .numeric(try NumericColumn(from: &s))
                case .keyword: structure = .keyword(try KeywordColumn(from: &s))
                case .points: structure = .points(try PointIndex(from: &s))
                }
                let documents: Int
                switch structure {
                case .numeric(let n): documents = n.count
                case .keyword(let k): documents = k.count
                case .points(let p): documents = p.maxDoc
                }
                guard s.isAtEnd, documents == maxDoc else {
                    throw DecodeError(offset: offset, reason: "a column's length or document count is inconsistent")
                }
                entries.append(Entry(field: field, kind: kind, range: offset..<(offset + length), structure: structure))
            }
            guard c.isAtEnd else {
                throw DecodeError(offset: c.position, reason: "trailing bytes in columns directory")
            }
        } catch let e as DecodeError {
            throw .corrupt(file.path, "\(e.reason)", offset: e.offset)
        } catch let e as SaigaError {
            throw e
        } catch {
            throw .corrupt(file.path, "unreadable columns file")
        }
        self.entries = entries
        byField = Dictionary(grouping: entries, by: \.field)
    }

    private func ready(_ e: Entry) throws(SaigaError) -> Structure {
        if e.ready.load(ordering: .acquiring) { return e.structure }
        try file.check(e.range)
        do {
            switch e.structure {
            case .numeric(let n): try n.check()
            case .keyword(let k): try k.check()
            case .points(let p): try p.check()
            }
        } catch {
            throw .corrupt(file.path, "\(error.reason)", offset: e.range.lowerBound)
        }
        e.ready.store(true, ordering: .releasing)
        return e.structure
    }

    private func entry(_ field: Int, _ kind: ColumnsFile.Kind) -> Entry? {
        byField[field]?.first { $0.kind == kind }
    }

    /// The numeric column of `field`, verified; nil if the segment has none.
    func numeric(_ field: Int) throws(SaigaError) -> NumericColumn? {
        guard let e = entry(field, .numeric), case .numeric(let n) = try ready(e) else { return nil }
        return n
    }

    /// The keyword column of `field`, verified; nil if the segment has none.
    func keyword(_ field: Int) throws(SaigaError) -> KeywordColumn? {
        guard let e = entry(field, .keyword), case .keyword(let k) = try ready(e) else { return nil }
        return k
    }

    /// The point index of `field`, verified; nil if the segment has none.
    func points(_ field: Int) throws(SaigaError) -> PointIndex? {
        guard let e = entry(field, .points), case .points(let p) = try ready(e) else { return nil }
        return p
    }

    /// Verifies and checks every entry (what `saiga check` runs).
    func checkAll() throws(SaigaError) {
        for e in entries { _ = try ready(e) }
    }
}
