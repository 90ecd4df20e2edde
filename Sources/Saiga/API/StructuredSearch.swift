/// One key of a sort: a field with a column (keyword, integer, float, date, boolean), or the score.
public struct SortField: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Order: String, Sendable, Hashable, Codable {
        case ascending = "asc"
        case descending = "desc"
    }

    /// Which value of a multi-valued field a document sorts by.
    public enum Mode: String, Sendable, Hashable, Codable {
        case min, max
    }

    /// The field's name, or `_score`.
    public var field: String
    public var order: Order
    /// Default: the smallest value when ascending, the largest when descending (as Elasticsearch).
    public var mode: Mode?

    /// The name that sorts by score.
    public static let scoreField = "_score"

    public init(_ field: String, _ order: Order = .ascending, mode: Mode? = nil) {
        self.field = field
        self.order = order
        self.mode = mode
    }

    /// Score, highest first.
    public static let score = SortField(scoreField, .descending)

    /// `field`, `field:asc`, `field:desc`, `field:desc:min`, `_score`: what `saiga search --sort` takes.
    public init(parsing text: String) throws(SaigaError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), !parts[0].isEmpty else {
            throw SaigaError(.invalidArgument, "sort '\(text)': expected field[:asc|desc[:min|max]]")
        }
        field = parts[0]
        order = parts[0] == SortField.scoreField ? .descending : .ascending
        if parts.count >= 2 {
            guard let o = Order(rawValue: parts[1]) else {
                throw SaigaError(.invalidArgument, "sort '\(text)': the order is asc or desc (got '\(parts[1])')")
            }
            order = o
        }
        if parts.count == 3 {
            guard let m = Mode(rawValue: parts[2]) else {
                throw SaigaError(.invalidArgument, "sort '\(text)': the mode is min or max (got '\(parts[2])')")
            }
            mode = m
        }
    }

    public var description: String { "\(field):\(order.rawValue)" + (mode.map { ":\($0.rawValue)" } ?? "") }

    /// The mode in force.
    var effectiveMode: Mode { mode ?? (order == .ascending ? .min : .max) }
}

/// Facet counts to compute over every matching document (not only the returned ones).
public struct FacetRequest: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable, Codable {
        /// The `size` values with the most documents (keyword and boolean fields): count descending, then value.
        case terms(size: Int)
        /// Buckets of a number field: `floor(v / interval) * interval`, non-empty buckets in ascending order.
        case histogram(interval: Double)
        /// Buckets of a date field by calendar day, month or year (UTC), non-empty, ascending.
        case dateHistogram(DateUnit)
        /// Buckets between consecutive bounds, `[b0, b1)`, `[b1, b2)`, …, plus below the first and from the last
        /// (dates as UTC milliseconds).
        case ranges([Double])
    }

    public enum DateUnit: String, Sendable, Hashable, Codable, CaseIterable {
        case day, month, year
    }

    public var field: String
    public var kind: Kind

    /// Most buckets a terms facet may ask for.
    public static let maxSize = 10_000
    /// Most buckets a histogram may produce.
    public static let maxBuckets = 100_000
    /// Most bounds a ranges facet may have.
    public static let maxBounds = 1_000

    public init(_ field: String, _ kind: Kind) {
        self.field = field
        self.kind = kind
    }

    /// What `saiga search --facet` takes, read against the index's schema: `source` (top 10 values), `source:20`
    /// (top 20), `date:year` (`day`, `month`), `year:10` (a histogram of a number field, interval 10),
    /// `price:0,10,100` (ranges; dates as `2024-01-01`). Throws `.invalidArgument` naming the field.
    public static func parse(_ text: String, schema: Schema) throws(SaigaError) -> FacetRequest {
        let name = String(text.prefix { $0 != ":" })
        let spec = text.dropFirst(name.count + 1)
        guard let f = schema[name] else {
            throw SaigaError(.invalidArgument, "facet '\(text)': the index has no field '\(name)'")
        }
        let hasSpec = text.contains(":")
        switch f.type {
        case .text:
            throw SaigaError(
                .invalidArgument, "facet '\(text)': '\(name)' is a text field; facets need a keyword, number or date")
        case .keyword, .boolean:
            guard hasSpec else { return FacetRequest(name, .terms(size: 10)) }
            guard let n = Int(spec) else {
                throw SaigaError(.invalidArgument, "facet '\(text)': expected \(name) or \(name):SIZE")
            }
            return FacetRequest(name, .terms(size: n))
        case .date:
            if !hasSpec { return FacetRequest(name, .dateHistogram(.year)) }
            if let unit = DateUnit(rawValue: String(spec)) { return FacetRequest(name, .dateHistogram(unit)) }
            return FacetRequest(name, .ranges(try bounds(spec, f, text)))
        case .integer, .float:
            guard hasSpec else {
                throw SaigaError(
                    .invalidArgument,
                    "facet '\(text)': '\(name)' is a number field: give a histogram interval (\(name):10) "
                        + "or range bounds (\(name):0,10,100)")
            }
            if !spec.contains(","), let interval = Double(spec) {
                return FacetRequest(name, .histogram(interval: interval))
            }
            return FacetRequest(name, .ranges(try bounds(spec, f, text)))
        }
    }

    private static func bounds(_ spec: Substring, _ f: Schema.Field, _ text: String) throws(SaigaError) -> [Double] {
        var result: [Double] = []
        for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = f.queryValue(String(part)) else {
                throw SaigaError(
                    .invalidArgument,
                    "facet '\(text)': '\(part)' is not a value of \(f.type.rawValue) field '\(f.name)'")
            }
            switch v {
            case .integer(let i): result.append(Double(i))
            case .float(let d): result.append(d)
            case .date(let d): result.append(Double(d.milliseconds))
            default: throw SaigaError(.invalidArgument, "facet '\(text)': ranges need a number or date field")
            }
        }
        return result
    }

    public var description: String {
        switch kind {
        case .terms(let size): return "\(field):\(size)"
        case .histogram(let interval): return "\(field):\(interval)"
        case .dateHistogram(let unit): return "\(field):\(unit.rawValue)"
        case .ranges(let bounds): return "\(field):" + bounds.map { "\($0)" }.joined(separator: ",")
        }
    }
}

/// The counts of one facet.
public struct FacetResult: Sendable, Hashable, Codable {
    public struct Bucket: Sendable, Hashable, Codable {
        /// The value (terms), or the bucket's start (histograms and ranges; nil: unbounded below).
        public var value: FieldValue?
        /// The bucket's end, exclusive (histograms and ranges; nil: unbounded above, or a terms bucket).
        public var upper: FieldValue?
        /// Matching documents in the bucket (a document counts once per bucket it has a value in).
        public var count: Int

        /// How the bucket reads: the value (terms), the calendar unit (`2025`, `2025-12`, `2025-12-09`), or
        /// `start..<end`.
        public var label: String

        public init(value: FieldValue?, upper: FieldValue? = nil, count: Int, label: String? = nil) {
            self.value = value
            self.upper = upper
            self.count = count
            if let label {
                self.label = label
            } else if upper == nil, let value {
                self.label = value.description
            } else if value == nil && upper == nil {
                self.label = "*"
            } else {
                self.label = "\(value?.description ?? "*")..<\(upper?.description ?? "*")"
            }
        }
    }

    public var request: FacetRequest
    public var buckets: [Bucket]
    /// Terms facets: the counts of the values not among the buckets, summed (Elasticsearch's
    /// `sum_other_doc_count`); 0 for the other kinds.
    public var otherCount: Int

    public init(request: FacetRequest, buckets: [Bucket], otherCount: Int = 0) {
        self.request = request
        self.buckets = buckets
        self.otherCount = otherCount
    }
}
