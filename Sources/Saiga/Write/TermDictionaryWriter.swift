/// Writes the `.terms` file: keys (field number byte + term bytes) in sorted order, in front-coded blocks of
/// `PostingsFormat.termsPerBlock` terms, followed by the block index (each block's first key and offset) and a
/// trailer. docs/FORMAT.md §Terms has the layout.
final class TermDictionaryWriter {
    private let out: OutputFile
    private let fieldHasPositions: [Bool]  // by field number
    private var pendingKeys: [[UInt8]] = []
    private var pendingMeta: [TermMeta] = []
    private var blockFirstKeys: [[UInt8]] = []
    private var blockOffsets: [Int] = []
    private var lastDocOffset = 0
    private var lastPosOffset = 0
    private var lastKey: [UInt8] = []
    private(set) var termCount = 0
    private var block = ByteWriter(capacity: 4096)
    private var metaBytes = ByteWriter(capacity: 1024)
    private var termBytes = ByteWriter(capacity: 2048)

    init(out: OutputFile, fieldHasPositions: [Bool]) {
        self.out = out
        self.fieldHasPositions = fieldHasPositions
    }

    /// Adds the next term; keys must arrive in strictly increasing byte order.
    func add(key: [UInt8], meta: TermMeta) throws(SaigaError) {
        precondition(
            termCount == 0 || key.lexicographicallyPrecedes(lastKey) == false && key != lastKey,
            "terms must be added in increasing order")
        lastKey = key
        pendingKeys.append(key)
        pendingMeta.append(meta)
        termCount += 1
        if pendingKeys.count == PostingsFormat.termsPerBlock { try flushBlock() }
    }

    private func flushBlock() throws(SaigaError) {
        guard !pendingKeys.isEmpty else { return }
        blockFirstKeys.append(pendingKeys[0])
        blockOffsets.append(out.position)
        termBytes.removeAll()
        metaBytes.removeAll()
        var previous: [UInt8] = []
        var lastSingleton = 0
        for (i, key) in pendingKeys.enumerated() {
            var shared = 0
            let limit = min(previous.count, key.count)
            while shared < limit && previous[shared] == key[shared] { shared += 1 }
            NibblePair(high: shared, low: key.count - shared).write(to: &termBytes)
            termBytes.write(key[shared...])
            previous = key

            let m = pendingMeta[i]
            if m.docFreq == 1 {
                // Singleton: the document as a zigzag delta from the block's previous singleton (ids are often
                // in document order, so this is one byte), flagged with whether tf == 1.
                let delta = m.singletonDoc - lastSingleton
                lastSingleton = m.singletonDoc
                let zigzag = UInt64(bitPattern: Int64(delta << 1) ^ Int64(delta >> 63))
                metaBytes.writeVInt(zigzag << 2 | (m.totalTermFreq == 1 ? 0b11 : 0b01))
                if m.totalTermFreq != 1 { metaBytes.writeVInt(m.totalTermFreq) }
            } else {
                metaBytes.writeVInt(UInt64(m.docFreq) << 1)
                metaBytes.writeVInt(m.totalTermFreq - m.docFreq)
                metaBytes.writeVInt(m.docOffset - lastDocOffset)
                lastDocOffset = m.docOffset
            }
            if TermKey.hasPositions(key, fieldHasPositions) {
                metaBytes.writeVInt(m.posOffset - lastPosOffset)
                lastPosOffset = m.posOffset
            }
        }
        block.removeAll()
        block.writeVInt(pendingKeys.count)
        block.writeVInt(termBytes.count)
        block.writeVInt(blockBaseDoc)
        block.writeVInt(blockBasePos)
        block.write(termBytes.bytes)
        block.write(metaBytes.bytes)
        try out.write(block)
        pendingKeys.removeAll(keepingCapacity: true)
        pendingMeta.removeAll(keepingCapacity: true)
        blockBaseDoc = lastDocOffset
        blockBasePos = lastPosOffset
    }

    // The offsets the first term of the next block is delta-coded against (written in the block header).
    private var blockBaseDoc = 0
    private var blockBasePos = 0

    /// Writes the last block, the block index and the trailer. The caller writes the footer.
    func finish() throws(SaigaError) {
        // Deltas in the pending block were computed against the running offsets, which are the next block's base.
        try flushBlock()
        let indexOffset = out.position
        var w = ByteWriter()
        w.writeVInt(blockFirstKeys.count)
        var previousOffset = 0
        for (i, key) in blockFirstKeys.enumerated() {
            w.writeVInt(key.count)
            w.write(key)
            w.writeVInt(blockOffsets[i] - previousOffset)
            previousOffset = blockOffsets[i]
        }
        w.writeU64(UInt64(indexOffset))
        w.writeU64(UInt64(termCount))
        try out.write(w)
    }
}
