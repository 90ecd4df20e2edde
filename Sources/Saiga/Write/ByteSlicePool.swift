/// Many growing byte streams (one or two per term) in a few large pages, Lucene's ByteBlockPool idea.
///
/// A stream is a chain of slices of growing size (16, 32, ... 8192 bytes). The last 4 bytes of a full slice hold
/// the address of the next slice. A term seen once costs 16 bytes, a frequent term wastes at most a few percent,
/// and there is one allocation per megabyte instead of one array per term.
///
/// Addresses are `UInt32`: page number in the high 12 bits, offset in the low 20, so the pool holds at most 4 GiB.
/// The owner frees the pages with `deallocate()`.
@usableFromInline
struct ByteSlicePool {
    @usableFromInline static let pageShift: UInt32 = 20
    @usableFromInline static let pageSize = 1 << 20
    @usableFromInline static let maxPages = 4096
    /// Slice sizes by level; the last level repeats.
    @usableFromInline static let levelSizes: [UInt32] = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]

    @usableFromInline var pages: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>
    @usableFromInline var pageCount = 0
    /// Next free byte in the current page.
    @usableFromInline var used = ByteSlicePool.pageSize

    init() {
        pages = .allocate(capacity: ByteSlicePool.maxPages)
        pages.initialize(repeating: nil, count: ByteSlicePool.maxPages)
    }

    func deallocate() {
        for i in 0..<pageCount { pages[i]?.deallocate() }
        pages.deallocate()
    }

    /// Bytes of memory held.
    var bytesAllocated: Int { pageCount * ByteSlicePool.pageSize }

    /// Bytes handed out in slices so far.
    var bytesUsed: Int { pageCount == 0 ? 0 : (pageCount - 1) * ByteSlicePool.pageSize + used }

    /// True when no further page can be allocated (the writer must flush before this).
    var isNearlyFull: Bool { pageCount >= ByteSlicePool.maxPages - 2 }

    @inlinable @inline(__always)
    func pointer(_ address: UInt32) -> UnsafeMutablePointer<UInt8> {
        pages[Int(address >> ByteSlicePool.pageShift)].unsafelyUnwrapped + Int(address & 0xFFFFF)
    }

    /// Allocates a slice of `size` bytes and returns its address.
    @inlinable
    mutating func allocate(_ size: UInt32) -> UInt32 {
        if used &+ Int(size) > ByteSlicePool.pageSize {
            precondition(pageCount < ByteSlicePool.maxPages, "slice pool exhausted: the writer must flush earlier")
            pages[pageCount] = .allocate(capacity: ByteSlicePool.pageSize)
            pageCount &+= 1
            used = 0
        }
        let address = (UInt32(pageCount &- 1) << ByteSlicePool.pageShift) | UInt32(used)
        used &+= Int(size)
        return address
    }

    /// Starts a new stream; returns its first slice's address (the stream's start and its first write address).
    @inlinable
    mutating func newStream() -> ByteStream {
        let a = allocate(ByteSlicePool.levelSizes[0])
        return ByteStream(start: a, write: a, sliceEnd: a &+ ByteSlicePool.levelSizes[0] &- 4, level: 0)
    }

    /// Appends one byte to a stream, chaining a new slice when the current one is full.
    @inlinable @inline(__always)
    mutating func append(_ byte: UInt8, to s: inout ByteStream) {
        if _slowPath(s.write == s.sliceEnd) { grow(&s) }
        pointer(s.write).pointee = byte
        s.write &+= 1
    }

    @inlinable
    mutating func appendVInt(_ value: UInt32, to s: inout ByteStream) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80, to: &s)
            v &>>= 7
        }
        append(UInt8(truncatingIfNeeded: v), to: &s)
    }

    @inline(never) @usableFromInline
    mutating func grow(_ s: inout ByteStream) {
        let nextLevel = min(Int(s.level) + 1, ByteSlicePool.levelSizes.count - 1)
        let size = ByteSlicePool.levelSizes[nextLevel]
        let next = allocate(size)
        // The forward pointer occupies the last 4 bytes of the full slice.
        UnsafeMutableRawPointer(pointer(s.sliceEnd)).storeBytes(of: next, as: UInt32.self)
        s.write = next
        s.sliceEnd = next &+ size &- 4
        s.level = UInt8(nextLevel)
    }
}

/// The state of one stream in a `ByteSlicePool`.
@usableFromInline
struct ByteStream {
    @usableFromInline var start: UInt32
    @usableFromInline var write: UInt32
    @usableFromInline var sliceEnd: UInt32
    @usableFromInline var level: UInt8

    @inlinable init(start: UInt32, write: UInt32, sliceEnd: UInt32, level: UInt8) {
        self.start = start
        self.write = write
        self.sliceEnd = sliceEnd
        self.level = level
    }
}

/// Reads a stream back, following the slice chain, up to its final write address.
@usableFromInline
struct ByteStreamReader {
    @usableFromInline let pool: ByteSlicePool
    @usableFromInline var address: UInt32
    @usableFromInline var sliceEnd: UInt32
    @usableFromInline var level: Int
    @usableFromInline let end: UInt32

    @inlinable init(pool: ByteSlicePool, stream: ByteStream) {
        self.pool = pool
        self.address = stream.start
        self.sliceEnd = stream.start &+ ByteSlicePool.levelSizes[0] &- 4
        self.level = 0
        self.end = stream.write
    }

    @inlinable var isAtEnd: Bool { address == end }

    @inlinable @inline(__always)
    mutating func readByte() -> UInt8 {
        if _slowPath(address == sliceEnd) {
            let next = UnsafeRawPointer(pool.pointer(sliceEnd)).load(as: UInt32.self)
            level = min(level + 1, ByteSlicePool.levelSizes.count - 1)
            address = next
            sliceEnd = next &+ ByteSlicePool.levelSizes[level] &- 4
        }
        let b = pool.pointer(address).pointee
        address &+= 1
        return b
    }

    @inlinable
    mutating func readVInt() -> UInt32 {
        var b = readByte()
        var v = UInt32(b & 0x7F)
        var shift: UInt32 = 7
        while b >= 0x80 {
            b = readByte()
            v |= UInt32(b & 0x7F) &<< shift
            shift &+= 7
        }
        return v
    }
}
