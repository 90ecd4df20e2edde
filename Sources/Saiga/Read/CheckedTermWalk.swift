/// Walks every term of a segment in key order with every posting, checking each invariant that merges and the
/// checker rely on, and throws a `corruptIndex` error naming the file and the term at the first violation:
///
/// - keys strictly increasing, each of a field the segment indexes;
/// - a term's documents strictly increasing and below the segment's document count;
/// - frequencies from 1 to 2^31 − 1, adding up (with the document count) to the dictionary's statistics;
/// - with positions: exactly `freq` of them per document, strictly increasing.
///
/// A checksum only says the bytes are what was written; a writer bug or a crafted file can still break these, and
/// a merge must report that as corruption rather than trap on it (`saiga check` reports it the same way).
struct CheckedTermWalk {
    let reader: SegmentReader
    private var cursor: TermDictionary.Cursor
    private var previous: [UInt8]?
    /// Where a document's positions are decoded (shared by copies of the walk, freed with the last of them).
    private let scratch = PositionScratch()

    init(_ reader: SegmentReader) {
        self.reader = reader
        cursor = TermDictionary.Cursor(reader.terms)
    }

    /// The current term's key (field byte + term bytes) and metadata, after `next()` returned true.
    var key: [UInt8] { cursor.key }
    var meta: TermMeta { cursor.meta }
    var field: Int { Int(cursor.key[0]) }

    /// Moves to the next term; false at the end.
    mutating func next() throws(SaigaError) -> Bool {
        guard try cursor.next() else { return false }
        let key = cursor.key
        if let p = previous, !p.lexicographicallyPrecedes(key) {
            throw .corrupt(
                reader.terms.path,
                "terms out of order (\(CheckedTermWalk.describe(p)) then \(CheckedTermWalk.describe(key)))")
        }
        previous = key
        guard key.count >= 2, let f = reader.info.field(number: Int(key[0])), f.flags.contains(.indexed),
            f.number != BuiltinFields.idField
        else {
            throw .corrupt(reader.terms.path, "term \(CheckedTermWalk.describe(key)) of an unknown or unindexed field")
        }
        let m = cursor.meta
        guard m.docFreq >= 1, m.docFreq <= reader.maxDoc, m.totalTermFreq >= m.docFreq else {
            throw .corrupt(
                reader.terms.path,
                "term \(CheckedTermWalk.describe(key)): document frequency \(m.docFreq), "
                    + "total frequency \(m.totalTermFreq) (segment has \(reader.maxDoc) documents)")
        }
        return true
    }

    /// Calls `body(doc, freq, positions)` for every posting of the current term (positions empty when the field has
    /// none or `withPositions` is false), checking the invariants; returns the number of documents and the sum of
    /// frequencies, which equal the dictionary's.
    mutating func forEachPosting(
        withPositions: Bool,
        _ body: (Int32, UInt32, UnsafeBufferPointer<UInt32>) throws(SaigaError) -> Void
    ) throws(SaigaError) {
        let key = cursor.key
        let field = Int(key[0])
        let readPositions = withPositions && TermKey.hasPositions(key, reader.fieldHasPositions)
        let it = reader.postingsIterator(cursor.meta, field: field)
        let maxDoc = Int32(reader.maxDoc)
        var last: Int32 = -1
        var count = 0
        var freqSum = 0
        var d = it.nextDoc()
        while d != PostingsIterator.noMoreDocs {
            guard d > last, d < maxDoc else {
                throw .corrupt(
                    reader.postings.path,
                    "term \(CheckedTermWalk.describe(key)): document \(d) after \(last) "
                        + "(segment has \(maxDoc))")
            }
            let freq = it.freq
            guard freq >= 1, freq < UInt32(Int32.max) else {
                throw .corrupt(
                    reader.postings.path, "term \(CheckedTermWalk.describe(key)): frequency \(freq) in document \(d)")
            }
            var positions = UnsafeBufferPointer<UInt32>(start: nil, count: 0)
            if readPositions {
                let scratch = self.scratch.reserve(Int(freq))
                let n = it.positions(into: scratch)
                guard n == Int(freq) else {
                    if it.isCorrupt { throw reader.postingsCorruption() }
                    throw .corrupt(
                        reader.positionsFile.path,
                        "term \(CheckedTermWalk.describe(key)): positions of document \(d) unreadable")
                }
                for k in 1..<max(n, 1) where scratch[k] <= scratch[k - 1] {
                    throw .corrupt(
                        reader.positionsFile.path,
                        "term \(CheckedTermWalk.describe(key)): positions not increasing in document \(d)")
                }
                positions = UnsafeBufferPointer(start: scratch, count: n)
            }
            try body(d, freq, positions)
            count += 1
            freqSum += Int(freq)
            last = d
            d = it.nextDoc()
        }
        if it.isCorrupt { throw reader.postingsCorruption() }
        let m = cursor.meta
        guard count == m.docFreq, freqSum == m.totalTermFreq else {
            throw .corrupt(
                reader.postings.path,
                "term \(CheckedTermWalk.describe(key)): \(count) documents and \(freqSum) "
                    + "occurrences, the dictionary says \(m.docFreq) and \(m.totalTermFreq)")
        }
    }

    static func describe(_ key: [UInt8]) -> String {
        guard let f = key.first else { return "\"\"" }
        return "\(f):\"\(String(decoding: key.dropFirst().prefix(64), as: UTF8.self))\""
    }
}

extension [CheckedTermWalk] {
    /// The index of the walk whose current key is smallest among the live ones, or nil when all are done: the step
    /// of a k-way merge of segments' terms (a segment merge, the vocabulary count).
    func smallestKey(live: [Bool]) -> Int? {
        var smallest: Int?
        for i in indices where live[i] {
            if let s = smallest, CheckedTermWalk.compare(self[i].key, self[s].key) >= 0 { continue }
            smallest = i
        }
        return smallest
    }
}

extension CheckedTermWalk {
    /// Byte order of two keys (negative, zero, positive).
    static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in compareBytes(pa, pb) } }
    }
}

/// A growable buffer of positions owned by a class, so that its memory goes when the last walk holding it does.
private final class PositionScratch {
    private var pointer: UnsafeMutablePointer<UInt32>
    private var capacity = 1 << 12

    init() { pointer = .allocate(capacity: capacity) }

    deinit { pointer.deallocate() }

    /// The buffer, grown to hold at least `count` positions (earlier contents are not kept).
    func reserve(_ count: Int) -> UnsafeMutablePointer<UInt32> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: capacity)
        }
        return pointer
    }
}
