/// Reads the `.terms` file of a segment: the block index is loaded into memory at open; a lookup binary-searches
/// it and scans one front-coded block of at most 32 terms in the mapped file.
@usableFromInline
final class TermDictionary: @unchecked Sendable {  // immutable after init; the mapping is read-only
    let file: MappedFile
    let path: String
    /// First key of each block, concatenated, with start offsets (count + 1 entries).
    private let firstKeys: [UInt8]
    private let firstKeyStarts: [Int]
    private let blockOffsets: [Int]
    /// The first 8 bytes of each block's first key as a big-endian integer (zero-padded): most binary-search steps
    /// are decided by one integer comparison.
    private let firstKeyPrefixes: [UInt64]
    /// Where block data ends (the block index starts).
    private let indexOffset: Int
    let termCount: Int
    private let fieldHasPositions: [Bool]
    /// Longest key: a field byte and the longest term (an id). Small enough for the stack.
    static let maxKeyBytes = 1 + Document.maxIDBytes

    init(file: MappedFile, fieldHasPositions: [Bool]) throws(SaigaError) {
        self.file = file
        self.path = file.path
        self.fieldHasPositions = fieldHasPositions
        let bytes = file.bytes
        let body = FileFooter.body(bytes)
        guard body.count >= 16 else { throw .corrupt(file.path, "term dictionary is truncated") }
        try file.check((body.upperBound - 16)..<body.upperBound)
        var trailer = ByteCursor(base: bytes.baseAddress!, start: body.upperBound - 16, end: body.upperBound)
        do {
            let indexOffset = Int(truncatingIfNeeded: try trailer.readU64())
            let termCount = Int(truncatingIfNeeded: try trailer.readU64())
            guard indexOffset >= body.lowerBound, indexOffset <= body.upperBound - 16 else {
                throw SaigaError.corrupt(file.path, "term index offset out of range", offset: body.upperBound - 16)
            }
            // The block index is loaded now: its bytes are verified now (the blocks, when a lookup reads them).
            try file.check(indexOffset..<(body.upperBound - 16))
            var c = ByteCursor(base: bytes.baseAddress!, start: indexOffset, end: body.upperBound - 16)
            let blockCount = try c.readLength()
            var keys: [UInt8] = []
            var starts: [Int] = [0]
            var offsets: [Int] = []
            starts.reserveCapacity(blockCount + 1)
            offsets.reserveCapacity(blockCount)
            var offset = 0
            for _ in 0..<blockCount {
                let key = try c.readLengthPrefixedBytes()
                guard !key.isEmpty else { throw SaigaError.corrupt(file.path, "empty key in term index") }
                keys.append(contentsOf: key)
                starts.append(keys.count)
                offset += Int(truncatingIfNeeded: try c.readVInt())
                guard offset >= body.lowerBound, offset < indexOffset else {
                    throw SaigaError.corrupt(file.path, "term block offset out of range", offset: c.position)
                }
                offsets.append(offset)
            }
            guard termCount <= blockCount * PostingsFormat.termsPerBlock else {
                throw SaigaError.corrupt(file.path, "term count inconsistent with block count")
            }
            var prefixes: [UInt64] = []
            prefixes.reserveCapacity(blockCount)
            keys.withUnsafeBytes { all in
                for i in 0..<blockCount {
                    prefixes.append(keyPrefix(UnsafeRawBufferPointer(rebasing: all[starts[i]..<starts[i + 1]])))
                }
            }
            self.firstKeyPrefixes = prefixes
            self.firstKeys = keys
            self.firstKeyStarts = starts
            self.blockOffsets = offsets
            self.indexOffset = indexOffset
            self.termCount = termCount
        } catch let e as SaigaError {
            throw e
        } catch let e as DecodeError {
            throw .corrupt(file.path, "term index: \(e.reason)", offset: e.offset)
        } catch {
            throw .corrupt(file.path, "term index unreadable")
        }
    }

    var blockCount: Int { blockOffsets.count }

    /// Compares the first key of block `i` with `key`.
    private func compareFirstKey(_ i: Int, _ key: UnsafeRawBufferPointer) -> Int {
        firstKeys.withUnsafeBytes { all in
            let s = firstKeyStarts[i]
            let e = firstKeyStarts[i + 1]
            return compareBytes(UnsafeRawBufferPointer(rebasing: all[s..<e]), key)
        }
    }

    /// The block that would contain `key`: the last block whose first key is ≤ key, or nil if key precedes all.
    private func blockFor(_ key: UnsafeRawBufferPointer) -> Int? {
        let target = keyPrefix(key)
        var lo = 0
        var hi = blockOffsets.count  // invariant: blocks < lo have first key ≤ key
        firstKeyPrefixes.withUnsafeBufferPointer { prefixes in
            while lo < hi {
                let mid = (lo &+ hi) >> 1
                let p = prefixes[mid]
                // Different 8-byte prefixes order the keys; equal ones need the whole keys.
                let lessOrEqual = p != target ? p < target : compareFirstKey(mid, key) <= 0
                if lessOrEqual { lo = mid &+ 1 } else { hi = mid }
            }
        }
        return lo == 0 ? nil : lo - 1
    }

    /// The block that would contain `key` (0 if `key` precedes every block).
    func blockIndex(atOrBefore key: UnsafeRawBufferPointer) -> Int { blockFor(key) ?? 0 }

    /// `blockIndex(atOrBefore:)` for a key at or after block `current`'s first key: `current` itself when the next
    /// block starts after the key (one comparison, most seeks of a dictionary walk land nearby), else the search.
    func blockIndex(atOrBefore key: UnsafeRawBufferPointer, from current: Int) -> Int {
        let next = current + 1
        guard next < blockOffsets.count else { return current }
        let target = keyPrefix(key)
        let p = firstKeyPrefixes[next]
        if p != target ? p > target : compareFirstKey(next, key) > 0 { return current }
        return blockIndex(atOrBefore: key)
    }

    /// Looks up the exact key (field byte + term bytes).
    ///
    /// Front coding decides most terms without comparing bytes: with `matched` = how many leading bytes the previous
    /// (smaller) term shares with `key`, a term sharing fewer bytes with its predecessor is already greater than
    /// `key`, one sharing more is still smaller, and only one sharing exactly `matched` bytes needs its suffix
    /// compared.
    func lookup(_ key: UnsafeRawBufferPointer) throws(SaigaError) -> TermMeta? {
        guard let b = blockFor(key) else { return nil }
        var found: TermMeta?
        var matched = 0
        try scanBlock(b) { (k: UnsafeRawBufferPointer, shared: Int, meta: TermMeta) throws(SaigaError) -> Bool in
            if shared < matched { return false }  // k > key
            if shared > matched { return true }  // k < key, like its predecessor
            var i = matched
            let n = min(k.count, key.count)
            while i < n && k[i] == key[i] { i &+= 1 }
            matched = i
            if i == n {
                if k.count == key.count {
                    found = meta
                    return false
                }
                return k.count < key.count  // a prefix of key is smaller; key a prefix of k: k is greater
            }
            return k[i] < key[i]
        }
        return found
    }

    /// Calls `body` for each (key, meta) with a key starting with `prefix`, in order; `body` returns false to stop.
    func forEachTerm(
        withPrefix prefix: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer, TermMeta) throws(SaigaError) -> Bool
    ) throws(SaigaError) {
        var b = blockFor(prefix) ?? 0
        while b < blockOffsets.count {
            var done = false
            try scanBlock(b) { (k: UnsafeRawBufferPointer, _: Int, meta: TermMeta) throws(SaigaError) -> Bool in
                if compareBytes(k, prefix) < 0 { return true }  // before the range
                guard k.count >= prefix.count, memcmp(k.baseAddress!, prefix.baseAddress!, prefix.count) == 0 else {
                    done = true
                    return false
                }
                if try !body(k, meta) {
                    done = true
                    return false
                }
                return true
            }
            if done { return }
            b += 1
        }
    }

    /// Every term of a field, in order, without its surface forms (`TermKey`); `body` gets whole keys.
    func forEachTerm(
        field: UInt8, _ body: (UnsafeRawBufferPointer, TermMeta) throws(SaigaError) -> Bool
    )
        throws(SaigaError)
    {
        var f = field
        try withUnsafeBytes(of: &f) { (p: UnsafeRawBufferPointer) throws(SaigaError) in
            try forEachTerm(withPrefix: p) { (k: UnsafeRawBufferPointer, meta: TermMeta) throws(SaigaError) in
                TermKey.isSurfaceForm(k) ? true : try body(k, meta)
            }
        }
    }

    /// Walks every term of the dictionary in key order (merging), decoding one block at a time.
    struct Cursor {
        let dictionary: TermDictionary
        private var block = -1
        private var keys: [[UInt8]] = []
        private var metas: [TermMeta] = []
        private var index = 0
        /// The current term's key (field byte + term bytes) and metadata, after `next()` returned true.
        private(set) var key: [UInt8] = []
        private(set) var meta = TermMeta(docFreq: 0, totalTermFreq: 0, docOffset: 0, posOffset: 0, singletonDoc: 0)

        init(_ dictionary: TermDictionary) { self.dictionary = dictionary }

        mutating func next() throws(SaigaError) -> Bool {
            while index >= keys.count {
                block += 1
                guard block < dictionary.blockCount else { return false }
                keys.removeAll(keepingCapacity: true)
                metas.removeAll(keepingCapacity: true)
                index = 0
                var k: [[UInt8]] = []
                var m: [TermMeta] = []
                try dictionary.scanBlock(block) {
                    (key: UnsafeRawBufferPointer, _: Int, meta: TermMeta) throws(SaigaError) -> Bool in
                    k.append(Array(key))
                    m.append(meta)
                    return true
                }
                keys = k
                metas = m
            }
            key = keys[index]
            meta = metas[index]
            index += 1
            return true
        }
    }

    /// Decodes block `b`, calling `visit(key, shared, meta)` for each term in order until it returns false
    /// (`shared`: the bytes the key shares with the previous one, 0 for the first). Metadata is delta-coded within
    /// the block, so it is decoded for every visited term.
    @inline(__always)
    func scanBlock(
        _ b: Int,
        _ visit: (UnsafeRawBufferPointer, Int, TermMeta) throws(SaigaError) -> Bool
    ) throws(SaigaError) {
        let bytes = file.bytes
        let end = b + 1 < blockOffsets.count ? blockOffsets[b + 1] : indexOffset
        guard blockOffsets[b] < end else { throw .corrupt(path, "term block offsets out of order") }
        try file.check(blockOffsets[b]..<end)
        var c = ByteCursor(base: bytes.baseAddress!, start: blockOffsets[b], end: end)
        do {
            let n = try c.readLength()
            let termBytesLength = try c.readLength()
            let docOffset = Int(truncatingIfNeeded: try c.readVInt())
            let posOffset = Int(truncatingIfNeeded: try c.readVInt())
            var keys = KeyReader(
                cursor: ByteCursor(base: bytes.baseAddress!, start: c.position, end: c.position + termBytesLength),
                path: path)
            try c.skip(termBytesLength)
            var metaReader = MetaReader(
                cursor: c, docOffset: docOffset, posOffset: posOffset, path: path)
            guard n >= 1 && n <= PostingsFormat.termsPerBlock else {
                throw DecodeError(offset: c.position, reason: "bad term count in block")
            }
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TermDictionary.maxKeyBytes) {
                (key: UnsafeMutableBufferPointer<UInt8>) throws(SaigaError) in
                for _ in 0..<n {
                    let shared = try keys.next(into: key)
                    let k = UnsafeRawBufferPointer(start: key.baseAddress!, count: keys.length)
                    let m = try metaReader.next(positions: TermKey.hasPositions(k, fieldHasPositions))
                    if try !visit(k, shared, m) { return }
                }
            }
        } catch let e as SaigaError {
            throw e
        } catch let e as DecodeError {
            throw .corrupt(path, "term block: \(e.reason)", offset: e.offset)
        } catch {
            throw .corrupt(path, "term block unreadable")
        }
    }
}

/// The first 8 bytes of `key` as a big-endian integer, zero-padded: integer order is byte order on those bytes.
@inline(__always)
func keyPrefix(_ key: UnsafeRawBufferPointer) -> UInt64 {
    var v: UInt64 = 0
    for i in 0..<min(8, key.count) { v |= UInt64(key[i]) << UInt64(56 - 8 * i) }
    return v
}

/// Lexicographic byte comparison: negative, zero or positive.
@inlinable
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let n = min(a.count, b.count)
    if n > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, n)
        if c != 0 { return Int(c) }
    }
    return a.count - b.count
}

#if canImport(Glibc)
    import Glibc
#endif

extension TermDictionary {
    /// The keys of a block, front-coded: each one the bytes it shares with the key before, then its own suffix.
    struct KeyReader {
        var cursor: ByteCursor
        /// The length of the last key read.
        private(set) var length = 0
        let path: String

        init(cursor: ByteCursor, path: String) {
            self.cursor = cursor
            self.path = path
        }

        /// Reads the next key into `key` (which holds the previous one) and returns the bytes it shares with it.
        @inline(__always)
        mutating func next(into key: UnsafeMutableBufferPointer<UInt8>) throws(SaigaError) -> Int {
            // Nearly every key: both lengths in the one byte (below 15), the suffix inside the block's key bytes.
            let at = cursor.position
            if at < cursor.end {
                let lengths = cursor.base.load(fromByteOffset: at, as: UInt8.self)
                let shared = Int(lengths >> 4)
                let count = Int(lengths & 15)
                if shared < 15 && count < 15 && count <= cursor.end &- at &- 1 && shared <= length
                    && shared &+ count >= 1
                {
                    // A plain loop: suffixes are a few bytes, a call to memmove costs more.
                    let from = cursor.base + (at &+ 1)
                    let out = key.baseAddress! + shared
                    for i in 0..<count { out[i] = from.load(fromByteOffset: i, as: UInt8.self) }
                    cursor.position = at &+ 1 &+ count
                    length = shared &+ count
                    return shared
                }
            }
            return try nextSlowly(into: key)
        }

        /// The bytes the next key shares with the one before, when its lengths fit in one byte (nil otherwise).
        @inline(__always)
        func peekShared() -> Int? {
            let at = cursor.position
            guard at < cursor.end else { return nil }
            let lengths = cursor.base.load(fromByteOffset: at, as: UInt8.self)
            return lengths >> 4 < 15 && lengths & 15 < 15 ? Int(lengths >> 4) : nil
        }

        /// Moves past the next key without copying its bytes into `key` (the visitor skips it on its shared length
        /// alone); a key that `peekShared` could not read, or a malformed one, is read by `next`.
        @inline(__always)
        mutating func skip(into key: UnsafeMutableBufferPointer<UInt8>) throws(SaigaError) {
            let at = cursor.position
            let lengths = cursor.base.load(fromByteOffset: at, as: UInt8.self)
            let shared = Int(lengths >> 4)
            let count = Int(lengths & 15)
            if count <= cursor.end &- at &- 1 && shared <= length && shared &+ count >= 1 {
                cursor.position = at &+ 1 &+ count
                length = shared &+ count
                return
            }
            _ = try nextSlowly(into: key)
        }

        /// `next` for a key whose lengths take escapes, or a malformed one (which it reports).
        @inline(never)
        mutating func nextSlowly(into key: UnsafeMutableBufferPointer<UInt8>) throws(SaigaError) -> Int {
            let shared: Int
            let suffix: UnsafeRawBufferPointer
            do throws(DecodeError) {
                let lengths = try cursor.readNibblePair()
                shared = lengths.high
                suffix = try cursor.readBytes(lengths.low)
            } catch {
                throw .corrupt(path, "term block: \(error.reason)", offset: error.offset)
            }
            guard shared <= length, shared + suffix.count <= key.count, shared + suffix.count >= 1 else {
                throw .corrupt(path, "term block: bad prefix length", offset: cursor.position)
            }
            // Suffixes are a few bytes: a plain loop beats a call to memmove.
            let out = key.baseAddress! + shared
            for i in 0..<suffix.count { out[i] = suffix[i] }
            length = shared + suffix.count
            return shared
        }
    }

    /// The metadata of a block's terms, decoded in order: each is a delta from the one before.
    struct MetaReader {
        var cursor: ByteCursor
        var docOffset: Int
        var posOffset: Int
        var lastSingleton = 0
        let path: String

        init(cursor: ByteCursor, docOffset: Int, posOffset: Int, path: String) {
            self.cursor = cursor
            self.docOffset = docOffset
            self.posOffset = posOffset
            self.path = path
        }

        /// The next term's metadata (`positions`: whether its key has positions, `TermKey.hasPositions`).
        @inline(__always)
        mutating func next(positions: Bool) throws(SaigaError) -> TermMeta {
            do {
                let head = try cursor.readVInt()
                if head & 1 == 1 {
                    // Singleton: zigzag delta from the previous singleton of the block, and the tf == 1 flag.
                    let zigzag = head >> 2
                    let delta = Int64(bitPattern: zigzag >> 1) ^ -Int64(bitPattern: zigzag & 1)
                    let doc = lastSingleton + Int(delta)
                    guard doc >= 0 && doc < Int(Int32.max) else {
                        throw DecodeError(offset: cursor.position, reason: "singleton document out of range")
                    }
                    lastSingleton = doc
                    let tf = head & 2 != 0 ? 1 : try cursor.readVInt32()
                    var pos = 0
                    if positions {
                        posOffset += Int(truncatingIfNeeded: try cursor.readVInt())
                        pos = posOffset
                    }
                    return TermMeta(docFreq: 1, totalTermFreq: Int(tf), docOffset: 0, posOffset: pos, singletonDoc: doc)
                }
                let df = Int(truncatingIfNeeded: head >> 1)
                guard df >= 2 && df < Int(Int32.max) else {
                    throw DecodeError(offset: cursor.position, reason: "bad document frequency")
                }
                let extra = Int(truncatingIfNeeded: try cursor.readVInt())
                docOffset += Int(truncatingIfNeeded: try cursor.readVInt())
                var pos = 0
                if positions {
                    posOffset += Int(truncatingIfNeeded: try cursor.readVInt())
                    pos = posOffset
                }
                return TermMeta(
                    docFreq: df, totalTermFreq: df &+ extra, docOffset: docOffset, posOffset: pos, singletonDoc: 0)
            } catch let e as DecodeError {
                throw .corrupt(path, "term metadata: \(e.reason)", offset: e.offset)
            } catch { throw .corrupt(path, "term metadata unreadable") }
        }
    }

    /// What `scanBlockKeys` does after a key (`BlockKeyVisitor.decide`).
    enum KeyDecision {
        /// Not wanted; go on.
        case skip
        /// Wanted: its metadata comes to `deliver`; go on.
        case take
        /// Not wanted; stop reading keys (the metadata of the keys taken before still comes).
        case stop
    }

    /// Block `b` for a walk that wants the metadata of few of its terms: `visitor.decide(key, index, shared)` for
    /// each key in order (`shared`: the leading bytes it has in common with the key before it in the block, 0 for the
    /// first), then `deliver(&visitor, index, meta)` for the keys it took, in order, until `deliver` returns false. Metadata is
    /// decoded only up to the last key taken, and not at all when none is: a walk that rejects most terms (a leading
    /// wildcard, a fuzzy word) does not pay for theirs. Generic over the visitor (not a closure): specialised, its
    /// `decide` runs inline in the loop over the keys.
    @inline(__always)
    func scanBlockKeys<V: BlockKeyVisitor>(
        _ b: Int, _ visitor: inout V,
        deliver: (inout V, Int, TermMeta) throws(SaigaError) -> Bool
    ) throws(SaigaError) {
        let bytes = file.bytes
        let end = b + 1 < blockOffsets.count ? blockOffsets[b + 1] : indexOffset
        guard blockOffsets[b] < end else { throw .corrupt(path, "term block offsets out of order") }
        try file.check(blockOffsets[b]..<end)
        var c = ByteCursor(base: bytes.baseAddress!, start: blockOffsets[b], end: end)
        do {
            let n = try c.readLength()
            let termBytesLength = try c.readLength()
            let docOffset = Int(truncatingIfNeeded: try c.readVInt())
            let posOffset = Int(truncatingIfNeeded: try c.readVInt())
            var keys = KeyReader(
                cursor: ByteCursor(base: bytes.baseAddress!, start: c.position, end: c.position + termBytesLength),
                path: path)
            try c.skip(termBytesLength)
            guard n >= 1 && n <= PostingsFormat.termsPerBlock else {
                throw DecodeError(offset: c.position, reason: "bad term count in block")
            }
            var metaReader = MetaReader(cursor: c, docOffset: docOffset, posOffset: posOffset, path: path)
            // Bit i: key i has positions (its metadata holds a position offset), key i was taken. A block has at most
            // `PostingsFormat.termsPerBlock` (32) keys.
            var hasPositions: UInt64 = 0
            var taken: UInt64 = 0
            var lastTaken = -1
            var positionsField = -1
            var fieldPositions = false
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: TermDictionary.maxKeyBytes) {
                (key: UnsafeMutableBufferPointer<UInt8>) throws(SaigaError) in
                for i in 0..<n {
                    // A key the visitor rejects on its shared length alone is passed over without copying its bytes
                    // (its field and marker bytes, the first two, are its predecessor's: so is its positions flag).
                    if i > 0, let shared = keys.peekShared(), shared >= 2, visitor.skipsUnread(shared: shared) {
                        try keys.skip(into: key)
                        hasPositions |= (hasPositions &>> UInt64(i &- 1) & 1) &<< UInt64(i)
                        continue
                    }
                    let shared = try keys.next(into: key)
                    let k = UnsafeRawBufferPointer(start: key.baseAddress!, count: keys.length)
                    // (Whether the key has positions: its field's flag, unless it is a surface form; a key sharing its
                    // first two bytes with the one before has that one's.)
                    if i > 0 && shared >= 2 {
                        hasPositions |= (hasPositions &>> UInt64(i &- 1) & 1) &<< UInt64(i)
                    } else {
                        if Int(k[0]) != positionsField {
                            positionsField = Int(k[0])
                            fieldPositions = TermKey.fieldHasPositions(k[0], fieldHasPositions)
                        }
                        if fieldPositions && !TermKey.isSurfaceForm(k) { hasPositions |= 1 &<< UInt64(i) }
                    }
                    switch visitor.decide(k, index: i, shared: i == 0 ? 0 : shared) {
                    case .skip: continue
                    case .take:
                        taken |= 1 &<< UInt64(i)
                        lastTaken = i
                    case .stop: return
                    }
                }
            }
            guard lastTaken >= 0 else { return }
            for i in 0...lastTaken {
                let m = try metaReader.next(positions: hasPositions & (1 &<< UInt64(i)) != 0)
                if taken & (1 &<< UInt64(i)) != 0, try !deliver(&visitor, i, m) { return }
            }
        } catch let e as SaigaError {
            throw e
        } catch let e as DecodeError {
            throw .corrupt(path, "term block: \(e.reason)", offset: e.offset)
        } catch {
            throw .corrupt(path, "term block unreadable")
        }
    }
}

/// What a walk over a block's keys decides for each (`TermDictionary.scanBlockKeys`).
protocol BlockKeyVisitor {
    /// Whether the key after one it has seen, sharing `shared` bytes with its predecessor, is rejected on that alone
    /// (its bytes are then never copied, and `decide` not called): while a walk seeks past keys that start with its
    /// predecessor's first `shared` bytes.
    mutating func skipsUnread(shared: Int) -> Bool
    /// Key `index` of the block; `shared`: the bytes it has in common with the key before it (0 for the first).
    mutating func decide(_ key: UnsafeRawBufferPointer, index: Int, shared: Int) -> TermDictionary.KeyDecision
}

/// A walk over a field's keys, block by block (`TermDictionary.walkKeys`): besides deciding each key, it keeps the
/// terms it took in the block being read (their metadata comes after the keys), knows the block to read next (a seek
/// may jump), and when it is over.
protocol KeyWalkVisitor: BlockKeyVisitor {
    associatedtype Taken
    /// The terms taken in the current block, in key order.
    var taken: [Taken] { get }
    /// Set when no later key can be taken, or the caller stopped the walk.
    var finished: Bool { get set }
    /// Prepares for block `block`'s keys.
    mutating func begin(block: Int)
    /// The block to read after the current one.
    var nextBlock: Int { get }
}

extension TermDictionary {
    /// Reads blocks from `first` on through `visitor`, and hands each term it takes, with its metadata, to
    /// `deliver`, until `deliver` returns false or the visitor is finished.
    func walkKeys<V: KeyWalkVisitor>(
        from first: Int, _ visitor: inout V, deliver: (V.Taken, TermMeta) throws(SaigaError) -> Bool
    ) throws(SaigaError) {
        var block = first
        while !visitor.finished && block < blockCount {
            visitor.begin(block: block)
            var delivered = 0
            try scanBlockKeys(block, &visitor) {
                (visitor: inout V, _: Int, meta: TermMeta) throws(SaigaError) -> Bool in
                let taken = visitor.taken[delivered]
                delivered += 1
                let goOn = try deliver(taken, meta)
                if !goOn { visitor.finished = true }
                return goOn
            }
            block = visitor.nextBlock
        }
    }
}
