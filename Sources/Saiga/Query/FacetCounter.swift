/// Counts one facet over the matching documents, segment by segment: keyword ordinals per segment (merged by value
/// across segments), or numeric values into histogram, calendar or range buckets. Exact: every match is counted.
struct FacetCounter {
    let request: FacetRequest
    let field: Int
    let type: Schema.FieldType
    /// Terms: count per value (keyword bytes, or a boolean's 0/1 as a one-byte value).
    private var terms: [[UInt8]: Int] = [:]
    /// Histograms and ranges: count per bucket key (its start, as the field's sortable Int64, or the range index).
    private var buckets: [Int64: Int] = [:]
    private let bounds: [Double]

    /// Checks the request against the schema: `.invalidArgument` naming the facet for an unknown field, a kind the
    /// field's type has no buckets for, or absurd sizes and intervals.
    init(_ request: FacetRequest, schema: Schema) throws(SaigaError) {
        self.request = request
        guard let n = schema.fields.firstIndex(where: { $0.name == request.field }) else {
            throw SaigaError(.invalidArgument, "facet \(request): the index has no field '\(request.field)'")
        }
        let f = schema.fields[n]
        field = n
        type = f.type
        guard f.column else {
            throw SaigaError(
                .invalidArgument, "facet \(request): field '\(f.name)' has no column (facets read columns)")
        }
        func refuse(_ why: String) -> SaigaError { SaigaError(.invalidArgument, "facet \(request): \(why)") }
        switch request.kind {
        case .terms(let size):
            guard f.type == .keyword || f.type == .boolean else {
                throw refuse("terms facets need a keyword or boolean field ('\(f.name)' is \(f.type.rawValue))")
            }
            guard (1...FacetRequest.maxSize).contains(size) else {
                throw refuse("the size must be 1...\(FacetRequest.maxSize) (got \(size))")
            }
            bounds = []
        case .histogram(let interval):
            guard f.type == .integer || f.type == .float else {
                throw refuse("histograms need an integer or float field ('\(f.name)' is \(f.type.rawValue))")
            }
            guard interval.isFinite && interval > 0 else { throw refuse("the interval must be a positive number") }
            if f.type == .integer && interval.rounded() != interval {
                throw refuse("the interval of an integer field must be a whole number")
            }
            bounds = []
        case .dateHistogram:
            guard f.type == .date else { throw refuse("calendar buckets need a date field") }
            bounds = []
        case .ranges(let b):
            guard f.type == .integer || f.type == .float || f.type == .date else {
                throw refuse("ranges need a number or date field")
            }
            guard !b.isEmpty, b.count <= FacetRequest.maxBounds, zip(b, b.dropFirst()).allSatisfy({ $0 < $1 }),
                b.allSatisfy(\.isFinite)
            else {
                throw refuse("give 1 to \(FacetRequest.maxBounds) increasing bounds")
            }
            bounds = b
        }
    }

    /// Counts the documents of `docs` in segment `seg`.
    mutating func count(_ seg: SegmentReader, _ docs: DocBitSet) throws(SaigaError) {
        guard let info = seg.info.field(number: field), info.name == request.field else { return }
        if case .terms = request.kind, type == .keyword {
            guard let column = try seg.columns.keyword(field) else { return }
            var counts = [Int](repeating: 0, count: column.valueCount)
            counts.withUnsafeMutableBufferPointer { c in
                docs.forEachDocument { (d: Int) -> Bool in
                    column.forEachOrdinal(d) { c[$0] &+= 1 }
                    return true
                }
            }
            for (ord, n) in counts.enumerated() where n > 0 { terms[Array(column.value(ord)), default: 0] += n }
            return
        }
        guard let column = try seg.columns.numeric(field) else { return }
        if case .histogram(let interval) = request.kind, type == .integer,
            countDense(column, interval: Int64(interval), docs)
        {
            return
        }
        if case .ranges = request.kind {
            countRanges(column, docs)
            return
        }
        var local: [Int64: Int] = [:]
        let kind = request.kind
        let type = self.type
        let bounds = self.bounds
        var overflow = false
        docs.forEachDocument { (d: Int) -> Bool in
            // A document counts once per bucket: its values come sorted, so equal buckets are adjacent.
            var last: Int64?
            column.forEachValue(d) { v in
                guard let b = FacetCounter.bucket(v, kind, type, bounds), b != last else { return }
                last = b
                local[b, default: 0] += 1
            }
            if local.count > FacetRequest.maxBuckets {
                overflow = true
                return false
            }
            return true
        }
        if overflow {
            throw SaigaError(
                .limitExceeded,
                "facet \(request) has more than \(FacetRequest.maxBuckets) buckets; use a wider interval")
        }
        for (b, n) in local { buckets[b, default: 0] += n }
        if buckets.count > FacetRequest.maxBuckets {
            throw SaigaError(
                .limitExceeded,
                "facet \(request) has more than \(FacetRequest.maxBuckets) buckets; use a wider interval")
        }
    }

    /// An integer histogram counted in an array indexed by bucket (the column's range divided by the interval), when
    /// that array is small; false (nothing counted) when it is not, for the dictionary to count.
    private mutating func countDense(_ column: NumericColumn, interval: Int64, _ docs: DocBitSet) -> Bool {
        var lo = Int64.max
        var hi = Int64.min
        for b in 0..<column.blockCount {
            if let r = column.blockRange(b) {
                lo = Swift.min(lo, r.lowerBound)
                hi = Swift.max(hi, r.upperBound)
            }
        }
        guard lo <= hi else { return true }
        func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
            let q = a / b
            return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
        }
        let first = floorDiv(lo, interval)
        let (span, overflow) = floorDiv(hi, interval).subtractingReportingOverflow(first)
        guard !overflow, span < 65_536 else { return false }
        var counts = [Int](repeating: 0, count: Int(span) + 1)
        counts.withUnsafeMutableBufferPointer { c in
            docs.forEachDocument { (d: Int) -> Bool in
                var last = -1
                column.forEachValue(d) { v in
                    let i = Int(floorDiv(v, interval) &- first)
                    if i != last {
                        c[i] &+= 1
                        last = i
                    }
                }
                return true
            }
        }
        for (i, n) in counts.enumerated() where n > 0 { buckets[(first + Int64(i)) &* interval, default: 0] += n }
        return true
    }

    /// Range buckets counted in an array (bounds.count + 1 of them).
    private mutating func countRanges(_ column: NumericColumn, _ docs: DocBitSet) {
        var counts = [Int](repeating: 0, count: bounds.count + 1)
        let kind = request.kind
        let type = self.type
        let bounds = self.bounds
        counts.withUnsafeMutableBufferPointer { c in
            docs.forEachDocument { (d: Int) -> Bool in
                var last: Int64 = -1
                column.forEachValue(d) { v in
                    guard let b = FacetCounter.bucket(v, kind, type, bounds), b != last else { return }
                    c[Int(b)] &+= 1
                    last = b
                }
                return true
            }
        }
        for (i, n) in counts.enumerated() where n > 0 { buckets[Int64(i), default: 0] += n }
    }

    /// The bucket key of value `v` (the field's sortable Int64): for terms the value itself, for histograms the
    /// bucket's start (sortable), for ranges the index of the range.
    @inline(__always)
    static func bucket(_ v: Int64, _ kind: FacetRequest.Kind, _ type: Schema.FieldType, _ bounds: [Double]) -> Int64? {
        switch kind {
        case .terms:
            return v
        case .histogram(let interval):
            let x = type == .float ? NumericColumn.double(sortableBits: v) : Double(v)
            let start = (x / interval).rounded(.down) * interval
            return type == .float ? NumericColumn.sortableBits(start) : Int64(exactly: start) ?? v
        case .dateHistogram(let unit):
            let days = v >= 0 ? v / 86_400_000 : (v - 86_399_999) / 86_400_000
            switch unit {
            case .day: return days * 86_400_000
            case .month, .year:
                let (y, m, _) = DateValue.civil(fromDays: days)
                return DateValue.daysFromCivil(y, unit == .year ? 1 : m, 1) * 86_400_000
            }
        case .ranges:
            let x = type == .float ? NumericColumn.double(sortableBits: v) : Double(v)
            // The number of bounds at or below x: 0 is below the first bound.
            var lo = 0
            var hi = bounds.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if bounds[mid] <= x { lo = mid + 1 } else { hi = mid }
            }
            return Int64(lo)
        }
    }

    /// The buckets, in the order the request's kind defines.
    func result() -> FacetResult {
        switch request.kind {
        case .terms(let size):
            var all: [(value: [UInt8], count: Int)]
            if type == .keyword {
                all = terms.map { ($0.key, $0.value) }
            } else {
                all = buckets.map { ($0.key == 0 ? Array("false".utf8) : Array("true".utf8), $0.value) }
            }
            all.sort { $0.count != $1.count ? $0.count > $1.count : $0.value.lexicographicallyPrecedes($1.value) }
            let top = all.prefix(size)
            let other = all.dropFirst(size).reduce(0) { $0 + $1.count }
            return FacetResult(
                request: request,
                buckets: top.map { t in
                    let text = String(decoding: t.value, as: UTF8.self)
                    return FacetResult.Bucket(
                        value: type == .boolean ? .boolean(text == "true") : .string(text), count: t.count)
                }, otherCount: other)
        case .histogram(let interval):
            let sorted = buckets.sorted { $0.key < $1.key }
            return FacetResult(
                request: request,
                buckets: sorted.map { b in
                    let start = FieldValue.fromSortable(b.key, type: type)
                    let end: FieldValue
                    if case .integer(let i) = start {
                        end = .integer(i &+ Int64(interval))
                    } else {
                        end = .float(NumericColumn.double(sortableBits: b.key) + interval)
                    }
                    return FacetResult.Bucket(value: start, upper: end, count: b.value)
                })
        case .dateHistogram(let unit):
            let sorted = buckets.sorted { $0.key < $1.key }
            return FacetResult(
                request: request,
                buckets: sorted.map { b in
                    let days = b.key / 86_400_000
                    let (y, m, _) = DateValue.civil(fromDays: days)
                    let next: Int64
                    switch unit {
                    case .day: next = b.key + 86_400_000
                    case .month:
                        next = DateValue.daysFromCivil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * 86_400_000
                    case .year: next = DateValue.daysFromCivil(y + 1, 1, 1) * 86_400_000
                    }
                    let day = DateValue(milliseconds: b.key).description
                    return FacetResult.Bucket(
                        value: .date(DateValue(milliseconds: b.key)), upper: .date(DateValue(milliseconds: next)),
                        count: b.value, label: String(day.prefix(unit == .year ? 4 : unit == .month ? 7 : 10)))
                })
        case .ranges(let bounds):
            func value(_ i: Int) -> FieldValue? {
                guard i >= 0 && i < bounds.count else { return nil }
                switch type {
                case .date: return .date(DateValue(milliseconds: Int64(bounds[i])))
                case .integer: return .integer(Int64(bounds[i]))
                default: return .float(bounds[i])
                }
            }
            return FacetResult(
                request: request,
                buckets: (0...bounds.count).map { i in
                    FacetResult.Bucket(value: value(i - 1), upper: value(i), count: buckets[Int64(i)] ?? 0)
                })
        }
    }
}
