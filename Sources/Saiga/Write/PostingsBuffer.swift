/// The in-memory inverted index of the segment being built: a term hash and, per term, a document stream and a
/// position stream in a `ByteSlicePool`.
///
/// Per term and document the doc stream gets `VInt(gap << 1 | (tf == 1))` and, if `tf != 1`, `VInt(tf)`; it is
/// written lazily, when the term shows up in a later document (or at flush), because only then is `tf` known.
/// The position stream gets one `VInt(position - previousPosition)` per occurrence, written at once.
///
/// All per-term state lives in raw columns owned by this struct (freed by `deallocate()`), and the struct is
/// passed `inout` to the analyzer, so the per-token path has no ARC, no exclusivity checks and no allocation.
@usableFromInline
struct PostingsBuffer: TokenSink {
    @usableFromInline var pool = ByteSlicePool()

    // Term text arena.
    @usableFromInline var text: UnsafeMutablePointer<UInt8>
    @usableFromInline var textCapacity: Int
    @usableFromInline var textUsed = 0

    // Per-term columns, indexed by term id.
    @usableFromInline var termCount = 0
    @usableFromInline var termCapacity: Int
    @usableFromInline var termField: UnsafeMutablePointer<UInt8>
    @usableFromInline var termStart: UnsafeMutablePointer<UInt32>
    @usableFromInline var termLength: UnsafeMutablePointer<UInt16>
    @usableFromInline var termHash: UnsafeMutablePointer<UInt32>
    @usableFromInline var docFreq: UnsafeMutablePointer<UInt32>
    @usableFromInline var totalTermFreq: UnsafeMutablePointer<UInt64>
    /// The document the term was last seen in (its entry is still open), -1 before the first.
    @usableFromInline var lastDoc: UnsafeMutablePointer<Int32>
    /// The document of the last entry written to the doc stream, -1 before the first.
    @usableFromInline var writtenDoc: UnsafeMutablePointer<Int32>
    @usableFromInline var freqInDoc: UnsafeMutablePointer<UInt32>
    @usableFromInline var lastPosition: UnsafeMutablePointer<UInt32>
    @usableFromInline var docStream: UnsafeMutablePointer<ByteStream>
    @usableFromInline var posStream: UnsafeMutablePointer<ByteStream>

    // Open-addressing hash table of term id + 1 (0 = empty).
    @usableFromInline var slots: UnsafeMutablePointer<UInt32>
    @usableFromInline var slotMask: Int

    /// The document and field the analyzer is currently feeding.
    @usableFromInline var currentDoc: Int32 = 0
    @usableFromInline var currentField: UInt8 = 0
    @usableFromInline var withPositions = true

    init() {
        textCapacity = 1 << 20
        text = .allocate(capacity: textCapacity)
        termCapacity = 1 << 14
        termField = .allocate(capacity: termCapacity)
        termStart = .allocate(capacity: termCapacity)
        termLength = .allocate(capacity: termCapacity)
        termHash = .allocate(capacity: termCapacity)
        docFreq = .allocate(capacity: termCapacity)
        totalTermFreq = .allocate(capacity: termCapacity)
        lastDoc = .allocate(capacity: termCapacity)
        writtenDoc = .allocate(capacity: termCapacity)
        freqInDoc = .allocate(capacity: termCapacity)
        lastPosition = .allocate(capacity: termCapacity)
        docStream = .allocate(capacity: termCapacity)
        posStream = .allocate(capacity: termCapacity)
        let slotCount = 1 << 15
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: 0, count: slotCount)
        slotMask = slotCount - 1
    }

    func deallocate() {
        pool.deallocate()
        text.deallocate()
        termField.deallocate()
        termStart.deallocate()
        termLength.deallocate()
        termHash.deallocate()
        docFreq.deallocate()
        totalTermFreq.deallocate()
        lastDoc.deallocate()
        writtenDoc.deallocate()
        freqInDoc.deallocate()
        lastPosition.deallocate()
        docStream.deallocate()
        posStream.deallocate()
        slots.deallocate()
    }

    /// An estimate of the memory in use, for the RAM budget: bytes written to the pool and the term arena, the
    /// per-term columns and the hash table. (Capacities grow by doubling; counting them would make a small budget
    /// flush after every document.)
    var bytesUsed: Int {
        pool.bytesUsed + textUsed + termCount * PostingsBuffer.bytesPerTerm + termCount * 8
    }

    static let bytesPerTerm = 1 + 4 + 2 + 4 + 4 + 8 + 4 + 4 + 4 + 4 + 2 * MemoryLayout<ByteStream>.stride

    // MARK: - Interning

    /// A 32-bit hash of field and term bytes (8 bytes at a time, a multiply-xorshift mix).
    @inlinable @inline(__always)
    static func hash(_ field: UInt8, _ p: UnsafeRawPointer, _ n: Int) -> UInt32 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ (UInt64(field) &* 0xFF51_AFD7_ED55_8CCD) ^ UInt64(n)
        var i = 0
        while i &+ 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ w) &* 0xC2B2_AE3D_27D4_EB4F
            h ^= h &>> 29
            i &+= 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) &<< shift
                shift &+= 8
                i &+= 1
            }
            h = (h ^ w) &* 0xC2B2_AE3D_27D4_EB4F
            h ^= h &>> 29
        }
        h = (h ^ (h &>> 32)) &* 0x9E37_79B9_7F4A_7C15
        return UInt32(truncatingIfNeeded: h &>> 32)
    }

    /// Returns the id of (field, term), adding the term if it is new.
    @inlinable
    mutating func intern(_ field: UInt8, _ term: UnsafeRawBufferPointer) -> Int {
        let n = term.count
        let p = term.baseAddress!
        let h = PostingsBuffer.hash(field, p, n)
        var slot = Int(h) & slotMask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            let t = Int(entry &- 1)
            if termHash[t] == h && termField[t] == field && Int(termLength[t]) == n
                && memcmp(text + Int(termStart[t]), p, n) == 0
            {
                return t
            }
            slot = (slot &+ 1) & slotMask
        }
        // New term.
        if termCount == termCapacity { growTerms() }
        if textUsed &+ n > textCapacity { growText(n) }
        let t = termCount
        termCount &+= 1
        UnsafeMutableRawPointer(text + textUsed).copyMemory(from: p, byteCount: n)
        termField[t] = field
        termStart[t] = UInt32(textUsed)
        termLength[t] = UInt16(n)
        termHash[t] = h
        textUsed &+= n
        docFreq[t] = 0
        totalTermFreq[t] = 0
        lastDoc[t] = -1
        writtenDoc[t] = -1
        freqInDoc[t] = 0
        lastPosition[t] = 0
        docStream[t] = pool.newStream()
        posStream[t] = withPositions ? pool.newStream() : ByteStream(start: 0, write: 0, sliceEnd: 0, level: 0)
        slots[slot] = UInt32(t &+ 1)
        if termCount &* 2 > slotMask { growSlots() }
        return t
    }

    /// Looks a term up without adding it.
    func find(_ field: UInt8, _ term: UnsafeRawBufferPointer) -> Int? {
        let n = term.count
        guard let p = term.baseAddress ?? (n == 0 ? UnsafeRawPointer(text) : nil) else { return nil }
        let h = PostingsBuffer.hash(field, p, n)
        var slot = Int(h) & slotMask
        while slots[slot] != 0 {
            let t = Int(slots[slot] &- 1)
            if termHash[t] == h && termField[t] == field && Int(termLength[t]) == n
                && memcmp(text + Int(termStart[t]), p, n) == 0
            {
                return t
            }
            slot = (slot &+ 1) & slotMask
        }
        return nil
    }

    @inline(never) @usableFromInline
    mutating func growTerms() {
        let newCapacity = termCapacity * 2
        func grow<T>(_ p: inout UnsafeMutablePointer<T>) {
            let q = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
            q.moveInitialize(from: p, count: termCount)
            p.deallocate()
            p = q
        }
        grow(&termField)
        grow(&termStart)
        grow(&termLength)
        grow(&termHash)
        grow(&docFreq)
        grow(&totalTermFreq)
        grow(&lastDoc)
        grow(&writtenDoc)
        grow(&freqInDoc)
        grow(&lastPosition)
        grow(&docStream)
        grow(&posStream)
        termCapacity = newCapacity
    }

    @inline(never) @usableFromInline
    mutating func growText(_ need: Int) {
        var newCapacity = textCapacity * 2
        while newCapacity < textUsed + need { newCapacity *= 2 }
        let q = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        q.update(from: text, count: textUsed)
        text.deallocate()
        text = q
        textCapacity = newCapacity
    }

    @inline(never) @usableFromInline
    mutating func growSlots() {
        let newCount = (slotMask + 1) * 2
        let newSlots = UnsafeMutablePointer<UInt32>.allocate(capacity: newCount)
        newSlots.initialize(repeating: 0, count: newCount)
        let mask = newCount - 1
        for t in 0..<termCount {
            var slot = Int(termHash[t]) & mask
            while newSlots[slot] != 0 { slot = (slot &+ 1) & mask }
            newSlots[slot] = UInt32(t &+ 1)
        }
        slots.deallocate()
        slots = newSlots
        slotMask = mask
    }

    // MARK: - Postings

    /// Called by the analyzer for each token of the current field of the current document.
    @inlinable
    mutating func token(_ term: UnsafeRawBufferPointer, position: Int, start: Int, end: Int) {
        let t = intern(currentField, term)
        let doc = currentDoc
        if lastDoc[t] != doc {
            if lastDoc[t] >= 0 { closeEntry(t) }
            lastDoc[t] = doc
            freqInDoc[t] = 0
            lastPosition[t] = 0
            docFreq[t] &+= 1
        }
        freqInDoc[t] &+= 1
        totalTermFreq[t] &+= 1
        if withPositions {
            let pos = UInt32(truncatingIfNeeded: position)
            pool.appendVInt(pos &- lastPosition[t], to: &posStream[t])
            lastPosition[t] = pos
        }
    }

    /// With stemming and `AnalyzerOptions.surfaceForms`: the analyzer passes the unstemmed words.
    @usableFromInline var wantsSurfaceForms = false

    /// A word the stemmer changed, as written: a posting of its surface form (`TermKey`, key field byte, 0x00,
    /// word), with a frequency and no positions.
    @inlinable
    mutating func surfaceForm(_ word: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: word.count + 1) { buffer in
            buffer[0] = TermKey.surfaceMarker
            UnsafeMutableRawPointer(buffer.baseAddress! + 1).copyMemory(from: word.baseAddress!, byteCount: word.count)
            let saved = withPositions
            withPositions = false
            let t = intern(currentField, UnsafeRawBufferPointer(start: buffer.baseAddress!, count: word.count + 1))
            withPositions = saved
            let doc = currentDoc
            if lastDoc[t] != doc {
                if lastDoc[t] >= 0 { closeEntry(t) }
                lastDoc[t] = doc
                freqInDoc[t] = 0
                docFreq[t] &+= 1
            }
            freqInDoc[t] &+= 1
            totalTermFreq[t] &+= 1
        }
    }

    /// Adds an untokenized term (the id) for the current document: frequency 1, no positions.
    mutating func addKeyword(_ field: UInt8, _ term: UnsafeRawBufferPointer) -> Int {
        let saved = withPositions
        withPositions = false
        let t = intern(field, term)
        withPositions = saved
        let doc = currentDoc
        if lastDoc[t] != doc {
            if lastDoc[t] >= 0 { closeEntry(t) }
            lastDoc[t] = doc
            freqInDoc[t] = 0
            docFreq[t] &+= 1
        }
        freqInDoc[t] &+= 1
        totalTermFreq[t] &+= 1
        return t
    }

    /// Writes the open (document, frequency) entry of term `t` to its doc stream.
    @inlinable
    mutating func closeEntry(_ t: Int) {
        let doc = lastDoc[t]
        let gap = UInt32(bitPattern: doc &- writtenDoc[t])
        let freq = freqInDoc[t]
        if freq == 1 {
            pool.appendVInt((gap &<< 1) | 1, to: &docStream[t])
        } else {
            pool.appendVInt(gap &<< 1, to: &docStream[t])
            pool.appendVInt(freq, to: &docStream[t])
        }
        writtenDoc[t] = doc
    }

    /// Closes every open entry (before the segment is written).
    mutating func closeAllEntries() {
        for t in 0..<termCount where lastDoc[t] >= 0 && lastDoc[t] != writtenDoc[t] {
            closeEntry(t)
        }
    }

    /// The bytes of term `t`.
    func termBytes(_ t: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: text + Int(termStart[t]), count: Int(termLength[t]))
    }

    /// Term ids sorted by (field, term bytes): the order of the term dictionary.
    func sortedTermIDs() -> [UInt32] {
        // Sort (8-byte big-endian prefix, id) pairs: most comparisons are decided by one integer compare; ties fall
        // back to comparing the full bytes.
        var keys = [(UInt64, UInt32)]()
        keys.reserveCapacity(termCount)
        for t in 0..<termCount {
            var prefix: UInt64 = UInt64(termField[t]) << 56
            let p = text + Int(termStart[t])
            let n = min(Int(termLength[t]), 7)
            for k in 0..<n { prefix |= UInt64(p[k]) << (48 - 8 * UInt64(k)) }
            keys.append((prefix, UInt32(t)))
        }
        keys.sort { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            return compareTerms(Int(a.1), Int(b.1)) < 0
        }
        return keys.map { $0.1 }
    }

    func compareTerms(_ a: Int, _ b: Int) -> Int {
        if termField[a] != termField[b] { return termField[a] < termField[b] ? -1 : 1 }
        let la = Int(termLength[a])
        let lb = Int(termLength[b])
        let c = memcmp(text + Int(termStart[a]), text + Int(termStart[b]), min(la, lb))
        if c != 0 { return Int(c) }
        return la - lb
    }
}

#if canImport(Glibc)
    import Glibc
#endif
