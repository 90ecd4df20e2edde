/// The (tf, norm) Pareto frontier at the start of every full postings block in `.post`: every pair of the block
/// not dominated by another with a higher-or-equal tf and a lower-or-equal norm byte. BM25 grows with tf and falls
/// with the norm, so the best score of the block, for any k1 and b, is the best score over these points: block-max
/// evaluation gets an exact bound without decoding the block.
///
///     count u8          0: the one point is the skip entry's corner (max tf, min norm), nothing follows
///     first point       VInt tf, norm byte
///     further points    one `NibblePair` each: (Δtf − 1, Δnorm − 1) from the point before
///
/// At most `maxPoints` points are stored: beyond that, adjacent points are merged into their corner (the higher
/// tf with the lower norm), a looser but still valid bound. The encoder, the cursor (which skips over it), the
/// evaluators' bound and the storage report all read it through this type.
@usableFromInline
struct ImpactFrontier: Equatable {
    @usableFromInline
    struct Point: Equatable, Sendable {
        @usableFromInline var tf: UInt32
        @usableFromInline var norm: UInt8
        @inlinable init(tf: UInt32, norm: UInt8) {
            self.tf = tf
            self.norm = norm
        }
    }

    /// Points stored per block at most.
    static let maxPoints = 8

    /// Points by increasing norm and strictly increasing tf.
    var points: [Point]

    init(points: [Point]) { self.points = points }

    /// The frontier of a block of 128 documents (`norms` indexed by document; a document past them has norm 0).
    init(docs: UnsafePointer<UInt32>, freqs: UnsafePointer<UInt32>, norms: [UInt8]) {
        // Best tf per norm byte, then sweep norms upwards keeping strictly increasing tfs.
        var bestTf = [UInt32](repeating: 0, count: 256)
        for i in 0..<PostingsFormat.blockSize {
            let norm = Int(docs[i]) < norms.count ? Int(norms[Int(docs[i])]) : 0
            bestTf[norm] = max(bestTf[norm], freqs[i])
        }
        var frontier: [Point] = []
        var maxTfSoFar: UInt32 = 0
        for norm in 0..<256 where bestTf[norm] > maxTfSoFar {
            frontier.append(Point(tf: bestTf[norm], norm: UInt8(norm)))
            maxTfSoFar = bestTf[norm]
        }
        // Too many points: merge adjacent pairs into their corner (higher tf, lower norm).
        while frontier.count > ImpactFrontier.maxPoints {
            var merged: [Point] = []
            var i = 0
            while i < frontier.count {
                if i + 1 < frontier.count && merged.count + (frontier.count - i) > ImpactFrontier.maxPoints {
                    merged.append(Point(tf: frontier[i + 1].tf, norm: frontier[i].norm))
                    i += 2
                } else {
                    merged.append(frontier[i])
                    i += 1
                }
            }
            frontier = merged
        }
        points = frontier
    }

    /// Appends the stored form. A single point is the skip entry's corner (the block's max tf and min norm), so
    /// it is stored as count 0.
    func write(to w: inout ByteWriter) {
        if points.count <= 1 {
            w.writeU8(0)
            return
        }
        w.writeU8(UInt8(points.count))
        w.writeVInt(UInt64(points[0].tf))
        w.writeU8(points[0].norm)
        for i in 1..<points.count {
            NibblePair(
                high: Int(points[i].tf - points[i - 1].tf) - 1,
                low: Int(points[i].norm) - Int(points[i - 1].norm) - 1
            ).write(to: &w)
        }
    }

    /// Reads a stored frontier point by point, allocating nothing (evaluators read one per block).
    @usableFromInline
    struct Decoder {
        @usableFromInline var cursor: ByteCursor
        /// Points stored (0: the skip entry's corner stands for the block).
        @usableFromInline let count: Int
        @usableFromInline var decoded = 0
        @usableFromInline var last = Point(tf: 0, norm: 0)

        /// Starts at the frontier's count byte (the cursor's position).
        @inlinable init(_ cursor: ByteCursor) throws(DecodeError) {
            self.cursor = cursor
            count = Int(try self.cursor.readU8())
        }

        /// The next point, or nil after the last. Throws on bytes that run past the cursor's end or a norm past 255.
        @inlinable mutating func next() throws(DecodeError) -> Point? {
            guard decoded < count else { return nil }
            if decoded == 0 {
                let tf = try cursor.readVInt32()
                last = Point(tf: tf, norm: try cursor.readU8())
            } else {
                let step = try cursor.readNibblePair()
                let norm = Int(last.norm) &+ step.low &+ 1
                guard norm <= 255 else { throw DecodeError(offset: cursor.position, reason: "impact norm past 255") }
                last = Point(tf: last.tf &+ UInt32(truncatingIfNeeded: step.high) &+ 1, norm: UInt8(norm))
            }
            decoded &+= 1
            return last
        }

        /// Reads the remaining points; returns the offset just past the frontier.
        @inlinable mutating func skipToEnd() throws(DecodeError) -> Int {
            while try next() != nil {}
            return cursor.position
        }
    }

    /// Where the documents of the block at `blockStart` begin (just past its frontier), or nil if the frontier runs
    /// past `blockEnd` or leaves no room before it. Reads only the lengths (the cursor needs the offset, not the
    /// points: this runs once per decoded block); the points' values are checked by `Decoder` where they are used.
    @inlinable
    static func end(in base: UnsafeRawPointer, blockStart: Int, blockEnd: Int) -> Int? {
        var c = ByteCursor(base: base, start: blockStart, end: blockEnd)
        do {
            let count = Int(try c.readU8())
            if count > 0 {
                _ = try c.readVInt()
                try c.skip(1)
                for _ in 1..<count { try c.skipNibblePair() }
            }
        } catch { return nil }
        return c.position < blockEnd ? c.position : nil
    }

    /// Decodes a whole stored frontier (tests and the checker).
    static func read(from cursor: inout ByteCursor) throws(DecodeError) -> ImpactFrontier {
        var decoder = try Decoder(cursor)
        var points: [Point] = []
        while let p = try decoder.next() { points.append(p) }
        cursor = decoder.cursor
        return ImpactFrontier(points: points)
    }
}
