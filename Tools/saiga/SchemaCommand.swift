import Saiga
import SaigaIngest

/// `saiga schema`: prints an index's schema, or the schema inferred from JSON lines, as the JSON a schema file holds.
enum SchemaCommand: Command {
    static let infer = OptionSpec(
        "infer",
        help: """
            infer the schema of the JSON lines FILEs (.jsonl, .jsonl.gz) instead of
            printing an index's
            """)

    static let spec = CommandSpec(
        "schema", arguments: "[FILE ...]", summary: "print an index's schema, or one inferred from JSON lines",
        discussion: """
            Prints the schema of the index at DIR (default Index/index) as JSON: {"fields": [{"name", "type",
            "indexed", "stored", "column", …}]}, the form a schema file takes. Indexes written so far hold the
            built-in fields id, title and body.

            With --infer, reads the JSON lines FILEs and prints the schema inferred from them (docs/INGEST.md): a
            string is text, an array of strings a keyword, integers integer, other numbers float, true/false boolean;
            nested objects are flattened to a.b. A field that disagrees between documents is an error naming both
            lines.
            """,
        options: [.index, infer])

    static func run(_ args: Arguments) throws -> Int32 {
        let schema: Schema
        if args.flag(infer) {
            guard !args.positional.isEmpty else { throw UsageError("schema --infer needs JSON lines FILEs") }
            schema = try SchemaInference.infer(files: args.positional)
        } else {
            guard args.positional.isEmpty else { throw UsageError("schema takes FILEs only with --infer") }
            schema = try Defaults.openReader(args.value(.index) ?? Defaults.indexDirectory).schema
        }
        Terminal.out(json(schema))
        return 0
    }

    /// `{"fields": [ … ]}`, one field per line.
    static func json(_ schema: Schema) -> String {
        let fields = schema.fields.map { f -> String in
            var pairs: [(String, String)] = [
                ("name", JSON.string(f.name)), ("type", JSON.string(f.type.rawValue)), ("indexed", "\(f.indexed)"),
                ("stored", "\(f.stored)"), ("column", "\(f.column)"),
            ]
            if f.type == .text {
                pairs += [
                    ("positions", "\(f.positions)"), ("boost", JSON.number(f.boost)),
                    ("language", JSON.string(f.language.rawValue)),
                ]
            }
            if f.type == .keyword { pairs.append(("lowercase", "\(f.lowercase)")) }
            return "  " + JSON.object(pairs)
        }
        return "{\"fields\": [\n" + fields.joined(separator: ",\n") + "\n]}"
    }
}
