/// The schema as a commit records it, inside the manifest (so it is covered by the manifest's checksum and changes
/// only with a commit):
///
///     fields       VInt
///     per field:   name (VInt length + UTF-8), type u8 (0 text, 1 keyword, 2 integer, 3 float, 4 date, 5 boolean),
///                  flags u8 (1 indexed, 2 stored, 4 column, 8 positions, 16 lowercase), boost u32 (Float bits),
///                  language u8 (0 english, 1 none, 2 russian, 3 kazakh, 4 auto; analysis version 1 wrote 0 for
///                  fields other than text, which read as none)
enum SchemaRecord {
    private static let types: [Schema.FieldType] = [.text, .keyword, .integer, .float, .date, .boolean]
    private static let languages: [Schema.TextLanguage] = [.english, .none, .russian, .kazakh, .auto]

    static func encode(_ schema: Schema, into w: inout ByteWriter) {
        w.writeVInt(schema.fields.count)
        for f in schema.fields {
            w.writeString(f.name)
            w.writeU8(UInt8(types.firstIndex(of: f.type)!))
            var flags: UInt8 = 0
            if f.indexed { flags |= 1 }
            if f.stored { flags |= 2 }
            if f.column { flags |= 4 }
            if f.positions { flags |= 8 }
            if f.lowercase { flags |= 16 }
            w.writeU8(flags)
            w.writeU32(f.boost.bitPattern)
            w.writeU8(UInt8(languages.firstIndex(of: f.language)!))
        }
    }

    /// The schema at `c`'s position; a field that does not decode, or a schema that does not check (`Schema.init`),
    /// is a `corruptIndex` error for `path`.
    static func decode(_ c: inout ByteCursor, path: String) throws(SaigaError) -> Schema {
        var fields: [Schema.Field] = []
        do {
            let count = try c.readLength()
            guard count <= Schema.maxFields else { throw SaigaError.corrupt(path, "schema has too many fields") }
            for _ in 0..<count {
                let name = try c.readString()
                let type = Int(try c.readU8())
                let flags = try c.readU8()
                let boost = Float(bitPattern: try c.readU32())
                let language = Int(try c.readU8())
                guard type < types.count, language < languages.count, flags < 32 else {
                    throw SaigaError.corrupt(path, "schema field \"\(name)\" has an unknown type, flag or language")
                }
                fields.append(
                    Schema.Field(
                        name, types[type], indexed: flags & 1 != 0, stored: flags & 2 != 0, column: flags & 4 != 0,
                        positions: flags & 8 != 0, lowercase: flags & 16 != 0, boost: boost,
                        language: types[type] == .text ? languages[language] : Schema.TextLanguage.none))
            }
        } catch let e as SaigaError {
            throw e
        } catch let e as DecodeError {
            throw .corrupt(path, "\(e.reason)", offset: e.offset)
        } catch {
            throw .corrupt(path, "unreadable schema")
        }
        do throws(SaigaError) {
            let schema = try Schema(fields)
            guard schema.fields.prefix(3).map(\.name) == Schema.default.fields.map(\.name) else {
                throw SaigaError(.corruptIndex, "the schema does not start with id, title and body")
            }
            return schema
        } catch {
            throw .corrupt(path, "invalid schema: \(error.message)")
        }
    }
}
