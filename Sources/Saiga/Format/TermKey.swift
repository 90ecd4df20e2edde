/// The keys of the term dictionary: a field byte, then the term's bytes.
///
/// A stemmed text field also keeps the **surface forms** of its words, so that prefixes, wildcards and regular
/// expressions (and completions) can match whole words: `running*` must find "running", whose term is the stem
/// `run`. A word the stemmer changes is indexed a second time, unstemmed, under the key field byte, `0x00`, word
/// bytes. No analyzer term starts with `0x00` (a control character separates tokens), so these keys sort before the
/// field's terms, in a range of their own, and never collide with a term. They carry documents and frequencies but
/// no positions, and they are not counted in the field's statistics (BM25's document and token counts stay those of
/// the terms). A word the stemmer leaves as it is has no surface key: its term is the word.
@usableFromInline
enum TermKey {
    /// The byte after the field byte that marks a surface form.
    @usableFromInline static let surfaceMarker: UInt8 = 0

    /// True for the key of a surface form (field byte, `0x00`, word).
    @inline(__always)
    static func isSurfaceForm(_ key: UnsafeRawBufferPointer) -> Bool {
        key.count > 1 && key[1] == surfaceMarker
    }

    /// The first key of a walk over field `field`'s terms (past its surface forms, which sort first), or over its
    /// surface forms: the field byte and the byte after it (the words follow).
    static func walkStart(field: UInt8, surfaceForms: Bool) -> [UInt8] {
        [field, surfaceForms ? surfaceMarker : surfaceMarker + 1]
    }

    /// Whether `key`, met in key order after `walkStart(field:surfaceForms:)`, still belongs to that walk: the same
    /// field, and a surface form when the walk is over surface forms (the terms come after them).
    @inline(__always)
    static func continuesWalk(_ key: UnsafeRawBufferPointer, field: UInt8, surfaceForms: Bool) -> Bool {
        key[0] == field && (!surfaceForms || isSurfaceForm(key))
    }

    /// True for the term bytes (after the field byte) of a surface form.
    @inline(__always)
    static func isSurfaceTerm<C: Collection<UInt8>>(_ term: C) -> Bool {
        term.first == surfaceMarker
    }

    /// Whether the terms of field `field` have positions (`fieldHasPositions` by field number).
    @inline(__always)
    static func fieldHasPositions(_ field: UInt8, _ fieldHasPositions: [Bool]) -> Bool {
        Int(field) < fieldHasPositions.count && fieldHasPositions[Int(field)]
    }

    /// Whether the postings of `key` have positions: its field's have, except for surface forms.
    @inline(__always)
    static func hasPositions(_ key: UnsafeRawBufferPointer, _ fieldHasPositions: [Bool]) -> Bool {
        self.fieldHasPositions(key[0], fieldHasPositions) && !isSurfaceForm(key)
    }

    /// `isSurfaceForm` of a key held in an array.
    @inline(__always)
    static func isSurfaceForm(_ key: [UInt8]) -> Bool {
        key.count > 1 && key[1] == surfaceMarker
    }

    /// `hasPositions` of a key held in an array.
    @inline(__always)
    static func hasPositions(_ key: [UInt8], _ fieldHasPositions: [Bool]) -> Bool {
        self.fieldHasPositions(key[0], fieldHasPositions) && !isSurfaceForm(key)
    }

    /// A term as a person reads it: a surface form without its marker.
    static func displayBytes(_ term: [UInt8]) -> ArraySlice<UInt8> {
        isSurfaceTerm(term) ? term.dropFirst() : term[...]
    }
}
