import Synchronization

/// Verifies the chunks of one mapped segment data file against its `ChunkChecksums`, each chunk the first time it
/// is read, so that no search ever computes an answer from a damaged byte while opening stays O(metadata).
///
/// Every read of the file's data goes through `ChunkCheck.covers(_:_:)` (hot paths, inlined: a flag load per chunk
/// touched) or `check(_:)` (throwing). A chunk whose CRC differs is never marked verified: every read of it fails, and the
/// first failure is remembered for the error message.
///
/// The verified flags of a file are shared by every mapping of it in the process (`ChunkFlags.shared`), so a
/// server that reopens a commit does not verify again what an earlier reader already did: once per process.
///
/// `@unchecked Sendable`: the flags are atomics; everything else is immutable after `init`, and the mapping it
/// reads is owned by the `MappedFile` that owns this verifier.
@usableFromInline
final class ChunkVerifier: @unchecked Sendable {
    @usableFromInline let flags: ChunkFlags
    @usableFromInline let shift: Int
    @usableFromInline let chunkCount: Int
    /// Length of the file (the end of the last chunk).
    @usableFromInline let length: Int
    private let expected: [UInt32]
    private let bytes: UnsafeRawBufferPointer
    let path: String
    /// The first chunk found damaged (-1: none yet).
    private let firstDamagedChunk = Atomic<Int>(-1)

    init(bytes: UnsafeRawBufferPointer, checksums: ChunkChecksums, path: String, identity: ChunkFlags.Key?) {
        self.bytes = bytes
        self.expected = checksums.crcs
        self.shift = checksums.shift
        self.chunkCount = checksums.crcs.count
        self.length = bytes.count
        self.path = path
        self.flags =
            identity.map { ChunkFlags.shared(for: $0, count: checksums.crcs.count) }
            ?? ChunkFlags(count: checksums.crcs.count)
    }

    /// `verify`, throwing the corruption error.
    func check(_ range: Range<Int>) throws(SaigaError) {
        guard verify(range.lowerBound, range.upperBound) else { throw failure(range) }
    }

    /// Verifies every chunk (full verification: `saiga check`, merges, a server loading a commit).
    func checkAll() throws(SaigaError) {
        try check(0..<length)
    }

    /// Chunks verified so far (in this process).
    var verifiedChunkCount: Int {
        var n = 0
        for i in 0..<chunkCount where flags.isSet(i) { n += 1 }
        return n
    }

    /// True once every chunk has been verified.
    var isFullyVerified: Bool {
        for i in 0..<chunkCount where !flags.isSet(i) { return false }
        return true
    }

    /// The error for a range that `verify` refused.
    func failure(_ range: Range<Int>) -> SaigaError {
        if let damage { return damage }
        return .corrupt(
            path,
            "read of bytes \(range.lowerBound)..<\(range.upperBound) outside the file's "
                + "\(length) bytes (damaged offsets)")
    }

    /// The error naming the first chunk found damaged so far, or nil.
    var damage: SaigaError? {
        let damaged = firstDamagedChunk.load(ordering: .relaxed)
        guard damaged >= 0 else { return nil }
        let start = damaged << shift
        return .corrupt(
            path,
            "checksum mismatch in bytes \(start)..<\(min(start + (1 << shift), length)) "
                + "(chunk \(damaged) of \(chunkCount)): the file is damaged", offset: start)
    }

    /// True if bytes `start ..< end` are verified, verifying every chunk they touch that is not verified yet
    /// (an empty range: true if it is inside the file); false if they are not inside the file or a chunk they
    /// touch is damaged. `ChunkCheck.covers` is the inlined fast path in front of this.
    @usableFromInline @inline(never)
    func verify(_ start: Int, _ end: Int) -> Bool {
        if end <= start { return start >= 0 && start <= length }
        guard start >= 0, end <= length else { return false }
        var ok = true
        for chunk in (start >> shift)...((end - 1) >> shift) where !flags.isSet(chunk) {
            let from = chunk << shift
            let to = min(from + (1 << shift), length)
            let crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[from..<to]))
            if crc == expected[chunk] {
                flags.set(chunk)
            } else {
                _ = firstDamagedChunk.compareExchange(expected: -1, desired: chunk, ordering: .relaxed)
                ok = false
            }
        }
        return ok
    }
}

/// A range of a mapped file that readers index directly, without a check per read (norms, block offset tables):
/// verified whole the first time it is needed, then never checked again. Relaxed: it only records that bytes were
/// verified, which stays true.
final class VerifiedOnce: Sendable {
    private let done = Atomic<Bool>(false)

    init() {}

    /// Verifies `range` of `file` unless this already did.
    @inline(__always)
    func check(_ file: MappedFile, _ range: Range<Int>) throws(SaigaError) {
        if done.load(ordering: .relaxed) { return }
        try file.check(range)
        done.store(true, ordering: .relaxed)
    }
}

/// A trivially copyable handle on a file's `ChunkVerifier` for the postings hot paths: no reference counting.
/// The verifier is held as an opaque pointer (a struct holding an `unowned(unsafe)` optional reference was
/// miscompiled inside nested optionals by Swift 6.3: its payload came out zeroed). The segment reader that owns the
/// verifier outlives every cursor that holds a handle.
///
/// The fast path (chunks already verified) reads the flags through a raw pointer, with no object in reach: no
/// retain or release per block.
@usableFromInline
struct ChunkCheck {
    @usableFromInline let verifier: UnsafeRawPointer?
    @usableFromInline let flags: UnsafeMutablePointer<Atomic<UInt8>>?
    @usableFromInline let shift: Int
    @usableFromInline let length: Int

    /// No verification (bytes that need none, in tests).
    @inlinable init() {
        verifier = nil
        flags = nil
        shift = 0
        length = 0
    }

    @inlinable init(_ v: ChunkVerifier?) {
        verifier = v.map { UnsafeRawPointer(Unmanaged.passUnretained($0).toOpaque()) }
        flags = v?.flags.flags
        shift = v?.shift ?? 0
        length = v?.length ?? 0
    }

    /// True if bytes `start ..< end` are verified (verifying them if needed: `ChunkVerifier.verify`).
    @inlinable @inline(__always)
    func covers(_ start: Int, _ end: Int) -> Bool {
        guard let flags, let verifier else { return true }
        if start >= 0 && end <= length && start < end {
            let first = start &>> shift
            let last = (end &- 1) &>> shift
            if last &- first <= 1 && flags[first].load(ordering: .relaxed) != 0
                && flags[last].load(ordering: .relaxed) != 0
            {
                return true
            }
        }
        return ChunkCheck.slowPath(verifier, start, end)
    }

    /// The whole chunks that hold bytes `start ..< end` (their bytes all verified once `covers` said true): a reader
    /// of consecutive blocks remembers it and skips the check while it stays inside.
    @inlinable
    func chunkSpan(_ start: Int, _ end: Int) -> Range<Int> {
        guard flags != nil, start >= 0, end > start else { return 0..<0 }
        return ((start &>> shift) &<< shift)..<min((((end &- 1) &>> shift) &+ 1) &<< shift, length)
    }

    @usableFromInline @inline(never)
    static func slowPath(_ verifier: UnsafeRawPointer, _ start: Int, _ end: Int) -> Bool {
        Unmanaged<ChunkVerifier>.fromOpaque(verifier)._withUnsafeGuaranteedRef { $0.verify(start, end) }
    }
}

/// One verified flag per chunk of a file, shared process-wide by every mapping of the same file.
///
/// The flags are bytes (atomic, relaxed): a chunk's content never changes once written (index files are
/// write-once), so there is nothing to order; two threads verifying the same chunk at once both set its flag.
@usableFromInline
final class ChunkFlags: @unchecked Sendable {  // atomics only; `count` is immutable
    @usableFromInline let flags: UnsafeMutablePointer<Atomic<UInt8>>
    let count: Int

    init(count: Int) {
        self.count = count
        flags = .allocate(capacity: max(count, 1))
        for i in 0..<max(count, 1) { (flags + i).initialize(to: Atomic(0)) }
    }

    deinit {
        flags.deinitialize(count: max(count, 1))
        flags.deallocate()
    }

    @inlinable @inline(__always) func isSet(_ i: Int) -> Bool { flags[i].load(ordering: .relaxed) != 0 }
    @inlinable func set(_ i: Int) { flags[i].store(1, ordering: .relaxed) }

    /// Identifies a file's content: device and inode (the same file), size, modification and change times (not
    /// modified since: index files are written once, so a file written again is damage, verified afresh), and the
    /// segment's random id and the file's whole-file CRC.
    struct Key: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int
        var modified: Int64
        var changed: Int64
        var segment: SegmentID
        var crc: UInt32
    }

    private final class WeakBox: @unchecked Sendable {  // read and written under `registry`'s lock only
        weak var flags: ChunkFlags?
        init(_ f: ChunkFlags) { flags = f }
    }

    private struct Registry {
        var table: [Key: WeakBox] = [:]
        /// The table's size at which entries of files no longer mapped are dropped: twice the live entries of the
        /// last sweep, so that sweeping costs O(1) per registration however many files are open.
        var sweepAt = 256
    }

    private static let registry = Mutex(Registry())

    /// The flags of the file `key` names: those of a mapping still alive in this process, or new ones.
    static func shared(for key: Key, count: Int) -> ChunkFlags {
        registry.withLock { r in
            if let existing = r.table[key]?.flags, existing.count == count { return existing }
            if r.table.count >= r.sweepAt {
                r.table = r.table.filter { $0.value.flags != nil }
                r.sweepAt = max(256, 2 * r.table.count)
            }
            let fresh = ChunkFlags(count: count)
            r.table[key] = WeakBox(fresh)
            return fresh
        }
    }
}
