import FoundationEssentials
import Saiga
import SaigaWire

/// What a token may do: read (SEARCH, GET, STATS, SUGGEST, LIST_INDEXES, HTTP), write (WRITE, COMMIT), admin
/// (CREATE_INDEX, DROP_INDEX, BACKUP), on every index or on the ones named. Rights do not imply each other: a token
/// that writes and searches says `read` and `write`.
public struct TokenRights: Sendable, Hashable {
    public enum Right: String, Sendable, Hashable, CaseIterable, Codable {
        case read, write, admin
    }

    public var rights: Set<Right>
    /// The indexes the rights apply to; nil: every index (and, for admin, creating any).
    public var indexes: Set<String>?

    public init(_ rights: Set<Right>, indexes: Set<String>? = nil) {
        self.rights = rights
        self.indexes = indexes
    }

    /// Every right on every index: `--token` / `SAIGA_TOKEN`, and a server without tokens.
    public static let all = TokenRights(Set(Right.allCases))

    /// True if the rights include `right` on `index`.
    public func allows(_ right: Right, on index: String) -> Bool {
        rights.contains(right) && (indexes?.contains(index) ?? true)
    }

    /// The right a request needs (nil: none, HELLO and PING), and the index it needs it on (nil: any index, as for
    /// LIST_INDEXES, which lists only the readable ones).
    static func needed(by request: Request) -> Right? {
        switch request {
        case .hello, .ping: return nil
        case .search, .get, .stats, .suggest: return .read
        case .write: return .write
        case .admin(let a):
            if case .listIndexes = a { return .read }
            return .admin
        }
    }

    /// Reads `saiga serve --tokens FILE`: a JSON object mapping each token to `{"rights": ["read", "write",
    /// "admin"], "indexes": ["name", …]}` (`indexes` optional: every index). An unknown right, an empty token, a
    /// token without rights or an unknown key is an error naming it.
    public static func parse(json: [UInt8]) throws(SaigaError) -> [String: TokenRights] {
        struct Entry: Decodable {
            var rights: [String]
            var indexes: [String]?
            enum CodingKeys: String, CodingKey, CaseIterable { case rights, indexes }
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: AnyKey.self)
                for key in c.allKeys where CodingKeys(rawValue: key.stringValue) == nil {
                    throw SaigaError(.invalidArgument, "unknown key \"\(key.stringValue)\" (rights, indexes)")
                }
                rights = try c.decode([String].self, forKey: AnyKey("rights"))
                indexes = try c.decodeIfPresent([String].self, forKey: AnyKey("indexes"))
            }
        }
        let entries: [String: Entry]
        do { entries = try JSONDecoder().decode([String: Entry].self, from: Data(json)) } catch let e as SaigaError {
            throw e
        } catch {
            // The decoder's own message names the path, and a path here starts with a token: not repeated.
            throw SaigaError(
                .invalidArgument,
                "not a tokens file (expected {\"TOKEN\": {\"rights\": [\"read\", …], \"indexes\": [\"name\", …]}}, "
                    + "rights and indexes arrays of strings)")
        }
        var out: [String: TokenRights] = [:]
        for (token, entry) in entries {
            guard !token.isEmpty else { throw SaigaError(.invalidArgument, "a token is empty") }
            var rights = Set<Right>()
            for r in entry.rights {
                guard let right = Right(rawValue: r) else {
                    throw SaigaError(.invalidArgument, "unknown right \"\(r)\" (read, write, admin)")
                }
                rights.insert(right)
            }
            guard !rights.isEmpty else {
                throw SaigaError(.invalidArgument, "a token has no rights (give it read, write or admin)")
            }
            out[token] = TokenRights(rights, indexes: entry.indexes.map(Set.init))
        }
        return out
    }
}

/// A JSON key of any name (to refuse unknown ones).
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension ServerConfiguration {
    /// True if clients must present a token (`token` or `tokens` set).
    var requiresToken: Bool { !(token ?? "").isEmpty || !tokens.isEmpty }

    /// The rights `given` grants (compared in constant time with every configured token), nil if it is none of them.
    /// A server without tokens grants every right to everyone.
    func rights(for given: String?) -> TokenRights? {
        guard requiresToken else { return .all }
        guard let given else { return nil }
        var found: TokenRights?
        if let token, !token.isEmpty, constantTimeEqual(given, token) { found = .all }
        for (t, r) in tokens where constantTimeEqual(given, t) { found = r }
        return found
    }
}
