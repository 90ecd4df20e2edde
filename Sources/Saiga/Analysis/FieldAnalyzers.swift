/// The analyzer of every field of a schema, by field number: each text field is analyzed in its own language
/// (`Schema.Field.language`), with the index's options and version of the rules. The writer, the query rewriter and
/// the highlighter all take a field's analyzer from here, so a field's words are analyzed alike everywhere.
package struct FieldAnalyzers: Sendable {
    /// One per schema field; fields other than text have the body's (never used to analyze).
    private let analyzers: [Analyzer]
    private let fallback: Analyzer

    package init(schema: Schema, options: AnalyzerOptions, analysisVersion: Int) {
        let body = Analyzer(
            options: options, language: schema.fields[BuiltinFields.bodyField].language,
            analysisVersion: analysisVersion)
        analyzers = schema.fields.map { f in
            f.type == .text ? Analyzer(options: options, language: f.language, analysisVersion: analysisVersion) : body
        }
        fallback = body
    }

    /// `analyzer` for every field of `schema` (tools and tests that analyze all fields alike).
    package init(uniform analyzer: Analyzer, schema: Schema = .default) {
        analyzers = schema.fields.map { _ in analyzer }
        fallback = analyzer
    }

    /// The analyzer of field `field` (the body's for a number past the schema: fields stored only).
    package subscript(field: Int) -> Analyzer { field < analyzers.count ? analyzers[field] : fallback }

    /// The body's analyzer: for text that belongs to no field (`IndexReader.analyze`, completions, corrections).
    package var body: Analyzer { fallback }
}
