/// One value of a document's field. Which cases a field accepts depends on its type in the schema (see
/// `Schema.Field.normalize`): a string is text or a keyword (or, for a date field, an RFC 3339 date); an integer is an
/// integer, a float or (for a date field) epoch seconds; a float is a float; a boolean is a boolean; a date is a date.
///
/// In JSON (`Codable`) a value is the plain JSON value: a string, a number or `true`/`false`; a date is written as its
/// RFC 3339 string.
public enum FieldValue: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case date(DateValue)

    /// The value as text: what the document store keeps and a hit returns (integers in decimal, floats in the
    /// shortest form that reads back the same, `true`/`false`, dates in RFC 3339).
    public var description: String {
        switch self {
        case .string(let s): return s
        case .integer(let i): return String(i)
        case .float(let d): return d.description
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return d.description
        }
    }

    /// The JSON type a value came as, for errors ("got a string").
    var kindName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a float"
        case .boolean: return "a boolean"
        case .date: return "a date"
        }
    }

    /// The order-preserving Int64 a numeric column and the point index keep for a value already normalized for
    /// its field (integers as themselves, floats by `NumericColumn.sortableBits`, dates in milliseconds, booleans as
    /// 0 and 1); nil for strings.
    var sortableInt64: Int64? {
        switch self {
        case .string: return nil
        case .integer(let i): return i
        case .float(let d): return NumericColumn.sortableBits(d)
        case .boolean(let b): return b ? 1 : 0
        case .date(let d): return d.milliseconds
        }
    }

    /// The value of a numeric field's column entry `v` (the inverse of `sortableInt64`).
    static func fromSortable(_ v: Int64, type: Schema.FieldType) -> FieldValue {
        switch type {
        case .integer: return .integer(v)
        case .float: return .float(NumericColumn.double(sortableBits: v))
        case .boolean: return .boolean(v != 0)
        case .date: return .date(DateValue(milliseconds: v))
        case .text, .keyword: return .integer(v)
        }
    }
}

extension FieldValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) {
            self = .boolean(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? c.decode(Double.self) {
            self = .float(d)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .integer(let i): try c.encode(i)
        case .float(let d): try c.encode(d)
        case .boolean(let b): try c.encode(b)
        case .date(let d): try c.encode(d.description)
        }
    }
}

extension Schema.Field {
    /// `value` as this field keeps it, or `.invalidDocument` naming the field when it does not fit the type:
    /// - text and keyword take strings (a keyword field with `lowercase` folds it);
    /// - integer takes integers, and floats with no fractional part within Int64's range;
    /// - float takes floats and integers;
    /// - date takes dates, RFC 3339 strings and integers (epoch seconds);
    /// - boolean takes booleans.
    public func normalize(_ value: FieldValue) throws(SaigaError) -> FieldValue {
        func refuse(_ why: String = "") throws(SaigaError) -> Never {
            throw SaigaError(
                .invalidDocument,
                "field \"\(name)\" is \(type.rawValue == "integer" ? "an" : "a") \(type.rawValue) field; got "
                    + "\(value.kindName) (\(FieldValue.quoted(value)))" + why)
        }
        switch (type, value) {
        case (.text, .string):
            return value
        case (.keyword, .string(let s)):
            return lowercase ? .string(s.lowercased()) : value
        case (.integer, .integer):
            return value
        case (.integer, .float(let d)):
            guard d.rounded(.towardZero) == d, let i = Int64(exactly: d) else { try refuse() }
            return .integer(i)
        case (.float, .float(let d)):
            guard !d.isNaN else { try refuse(": NaN is not a value") }
            return value
        case (.float, .integer(let i)):
            return .float(Double(i))
        case (.date, .date):
            return value
        case (.date, .string(let s)):
            guard let d = DateValue(parsing: s) else {
                try refuse(": expected an RFC 3339 date such as 2024-05-01 or 2024-05-01T12:00:00Z")
            }
            return .date(d)
        case (.date, .integer(let seconds)):
            guard let d = DateValue(epochSeconds: seconds) else { try refuse(": epoch seconds out of range") }
            return .date(d)
        case (.boolean, .boolean):
            return value
        default:
            try refuse()
        }
    }
}

extension FieldValue {
    /// A value for an error message: strings quoted and cut at 40 characters.
    static func quoted(_ v: FieldValue) -> String {
        guard case .string(let s) = v else { return v.description }
        return "\"" + (s.count > 40 ? String(s.prefix(40)) + "…" : s) + "\""
    }
}

extension Schema.Field {
    /// A value typed in a query (`source:bbc`, `year:[2000 TO 2020]`, `date:>=2024-01-01`, `flag:true`) as this
    /// field keeps it; nil if the text is not a value of the field's type. Text fields take any text.
    func queryValue(_ text: String) -> FieldValue? {
        let raw: FieldValue
        switch type {
        case .text, .keyword: raw = .string(text)
        case .integer:
            guard let i = Int64(text) else { return nil }
            raw = .integer(i)
        case .float:
            guard let d = Double(text), !d.isNaN else { return nil }
            raw = .float(d)
        case .date:
            guard let d = DateValue(parsing: text) else { return nil }
            raw = .date(d)
        case .boolean:
            guard text == "true" || text == "false" else { return nil }
            raw = .boolean(text == "true")
        }
        return try? normalize(raw)
    }
}
