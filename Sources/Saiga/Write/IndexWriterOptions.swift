/// How `IndexWriter` treats an index that already exists.
public enum IndexOpenMode: Sendable, Hashable {
    /// Start empty: the first commit replaces whatever the index held (a rebuild).
    case create
    /// Keep the existing documents; fail with `.indexNotFound` if there is no index yet.
    case append
    /// Keep the existing documents, or start a new index if there is none (default).
    case createOrAppend
}

/// Settings of an `IndexWriter`.
public struct IndexWriterOptions: Sendable {
    /// What to do with an existing index. Default `.createOrAppend`.
    public var openMode: IndexOpenMode
    /// Memory for the in-RAM segment; when it fills, the segment is written to disk and a new one starts, so the
    /// writer's memory stays bounded whatever the corpus size. Default 256 MiB.
    public var ramBudgetMB: Int
    /// Analysis settings, recorded in the commit and used by every reader of the index. When appending to an
    /// existing index, the index's own settings win (a mismatch is an error).
    public var analyzer: AnalyzerOptions
    /// Index positions (needed for phrase queries). Default true.
    public var positions: Bool
    /// The fields of the documents, beyond `id`, `title` and `body` (which every index has, as `Schema.default`
    /// declares them). A new index takes `Schema.default` with these fields added; an existing index adds the
    /// fields it does not have yet, and a field it has must be declared the same (`Schema.adding`: a changed type or
    /// flag is an `.invalidArgument` error naming the field), and a document field the schema does not declare is
    /// an `.invalidDocument` error. nil (default): the index's own schema (or `Schema.default` for a new index), and
    /// fields it does not declare are stored only, as before schemas.
    public var schema: Schema?
    /// zlib level (1...9) for the document store. Default 6.
    public var storeCompressionLevel: Int
    /// Keep title and body in the document store (needed for titles and snippets in results). Default true;
    /// false stores only the id and extra fields (benchmarks that compare with engines storing only ids).
    public var storeText: Bool
    /// Also flush a segment after this many documents (Lucene's maxBufferedDocs); nil: only the RAM budget counts.
    public var maxBufferedDocuments: Int?
    /// Indexing threads, each building its own in-RAM segment (the RAM budget is shared between them). With
    /// more than one, `add` hands documents to the threads in batches, and the order of documents across
    /// segments (which only decides ties between equal scores) varies from run to run. Default 1.
    public var threads: Int
    /// When to merge segments in the background. `nil` turns background merging off (`forceMerge` still works).
    public var mergePolicy: MergePolicy?
    /// Called after each segment is written to disk, with the segment's document count.
    public var onFlush: (@Sendable (_ documents: Int) -> Void)?
    /// Largest document accepted, in UTF-8 bytes of id, title, body and extra fields; a larger one is refused with
    /// `.invalidDocument` (the writer is unchanged). One document's postings cannot be split across segments, so a
    /// document near the RAM budget would blow through it. nil (default): a quarter of the RAM budget, between
    /// 1 MiB and 64 MiB.
    public var maxDocumentBytes: Int?
    /// Open a directory that holds other files but no index (default false: such a directory is refused with
    /// `.notAnIndex`, so that a mistyped path never becomes an index among someone's files). Only index files
    /// (`_<n>.<ext>`, `manifest_<n>`) are ever deleted, whatever this says.
    public var allowNonIndexDirectory: Bool

    /// Largest `ramBudgetMB` accepted (64 GiB); `saiga index --ram-mb` takes its range from here.
    public static let maxRAMBudgetMB = 64 * 1024
    /// Most indexing `threads` accepted; `saiga index --threads` takes its range from here.
    public static let maxThreads = 256

    public init(
        openMode: IndexOpenMode = .createOrAppend, ramBudgetMB: Int = 256, analyzer: AnalyzerOptions = .default,
        positions: Bool = true, storeCompressionLevel: Int = 6, storeText: Bool = true,
        maxBufferedDocuments: Int? = nil, threads: Int = 1, mergePolicy: MergePolicy? = MergePolicy(),
        onFlush: (@Sendable (Int) -> Void)? = nil, maxDocumentBytes: Int? = nil,
        allowNonIndexDirectory: Bool = false, schema: Schema? = nil
    ) {
        self.schema = schema
        self.maxDocumentBytes = maxDocumentBytes
        self.allowNonIndexDirectory = allowNonIndexDirectory
        self.openMode = openMode
        self.threads = threads
        self.maxBufferedDocuments = maxBufferedDocuments
        self.storeText = storeText
        self.ramBudgetMB = ramBudgetMB
        self.analyzer = analyzer
        self.positions = positions
        self.storeCompressionLevel = storeCompressionLevel
        self.mergePolicy = mergePolicy
        self.onFlush = onFlush
    }
}

extension IndexWriterOptions {
    /// Throws `.invalidArgument` for a setting out of its range.
    func validate() throws(SaigaError) {
        guard (1...Self.maxRAMBudgetMB).contains(ramBudgetMB) else {
            throw SaigaError(
                .invalidArgument,
                "ram budget must be between 1 and \(Self.maxRAMBudgetMB) MB (got \(ramBudgetMB))")
        }
        if let n = maxBufferedDocuments, n < 1 {
            throw SaigaError(.invalidArgument, "maxBufferedDocuments must be at least 1")
        }
        guard (1...9).contains(storeCompressionLevel) else {
            throw SaigaError(.invalidArgument, "store compression level must be 1...9")
        }
        guard (1...Self.maxThreads).contains(threads) else {
            throw SaigaError(.invalidArgument, "threads must be 1...\(Self.maxThreads)")
        }
        try mergePolicy?.validate()
    }
}
