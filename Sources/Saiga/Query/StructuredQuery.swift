/// A clause on a structured field, resolved against the schema: it matches documents without scoring them (score
/// 0, Lucene's FILTER clause), so that the text part of a query scores exactly as it would alone.
@usableFromInline
struct StructuredQuery: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// A keyword field equals the value (a multi-valued one: holds it).
        case keyword([UInt8])
        /// A numeric, date or boolean field has a value in the range (`FieldValue.sortableInt64` bounds, inclusive).
        case range(ClosedRange<Int64>)
        /// The field has a value (`_exists_:field`).
        case exists
        /// Every document (`*:*`).
        case all
    }

    var kind: Kind
    /// The field's number and name (a segment written before the field was declared may use the number for an
    /// undeclared stored field: the name tells them apart). Unused for `.all`.
    var field: Int
    var name: String

    static let all = StructuredQuery(kind: .all, field: -1, name: "*")

    /// The documents of `seg` that match (deletions not applied).
    func matches(in seg: SegmentReader) throws(SaigaError) -> DocBitSet {
        if case .all = kind { return DocBitSet(maxDoc: seg.maxDoc, full: true) }
        let bits = DocBitSet(maxDoc: seg.maxDoc)
        guard let info = seg.info.field(number: field), info.name == name else { return bits }
        switch kind {
        case .all:
            break
        case .keyword(let value):
            if info.flags.contains(.indexed) {
                let meta = try withBytes(value) { (v: UnsafeRawBufferPointer) throws(SaigaError) in
                    try seg.lookup(field: field, term: v)
                }
                if let meta { try StructuredQuery.addPostings(meta, field: field, seg: seg, to: bits) }
            } else if let column = try seg.columns.keyword(field) {
                let ord = value.withUnsafeBytes { column.ordinal(of: $0) }
                if let ord {
                    for d in 0..<seg.maxDoc {
                        column.forEachOrdinal(d) { if $0 == ord { bits.insert(d) } }
                    }
                }
            }
        case .range(let range):
            if let points = try seg.columns.points(field) {
                points.collect(range, into: bits.words)
            } else if let column = try seg.columns.numeric(field) {
                for b in 0..<column.blockCount {
                    guard let r = column.blockRange(b), r.overlaps(range) else { continue }
                    let whole = range.contains(r.lowerBound) && range.contains(r.upperBound)
                    for d in (b * NumericColumn.blockSize)..<min(seg.maxDoc, (b + 1) * NumericColumn.blockSize) {
                        if whole {
                            if column.hasValue(d) { bits.insert(d) }
                        } else {
                            column.forEachValue(d) { if range.contains($0) { bits.insert(d) } }
                        }
                    }
                }
            }
        case .exists:
            if let column = try seg.columns.numeric(field) {
                for d in 0..<seg.maxDoc where column.hasValue(d) { bits.insert(d) }
            } else if let column = try seg.columns.keyword(field) {
                for d in 0..<seg.maxDoc { column.forEachOrdinal(d) { _ in bits.insert(d) } }
            } else if let points = try seg.columns.points(field) {
                points.collect(Int64.min...Int64.max, into: bits.words)
            } else if info.flags.contains(.norms) {
                try seg.checkNorms()
                let norms = seg.norms(field: field)
                for d in 0..<seg.maxDoc where norms[d] != 0 { bits.insert(d) }
            } else if info.flags.contains(.indexed) {
                var metas: [TermMeta] = []
                try seg.terms.forEachTerm(field: UInt8(field)) { (_: UnsafeRawBufferPointer, meta: TermMeta) in
                    metas.append(meta)
                    return true
                }
                for m in metas { try StructuredQuery.addPostings(m, field: field, seg: seg, to: bits) }
            }
        }
        return bits
    }

    /// Adds every document of a term's postings to `bits`.
    static func addPostings(_ meta: TermMeta, field: Int, seg: SegmentReader, to bits: DocBitSet) throws(SaigaError) {
        let it = seg.postingsIterator(meta, field: field)
        var d = it.nextDoc()
        while d != PostingsIterator.noMoreDocs {
            bits.insert(Int(d))
            d = it.nextDoc()
        }
        if it.isCorrupt { throw seg.postingsCorruption() }
    }
}
