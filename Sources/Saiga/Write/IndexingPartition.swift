import Dispatch
import SaigaPosix
import Synchronization

/// State the partitions of one writer share: the segments flushed so far, the segment-number counter and the
/// first error a background partition hit.
final class IndexingShared: Sendable {
    struct State {
        var flushed: [SegmentInfo] = []
        var nextSegmentNumber: Int
        var error: SaigaError?
    }

    let state: Mutex<State>

    init(nextSegmentNumber: Int) {
        state = Mutex(State(nextSegmentNumber: nextSegmentNumber))
    }

    func takeSegmentNumber() -> Int {
        state.withLock { s in
            let n = s.nextSegmentNumber
            s.nextSegmentNumber += 1
            return n
        }
    }

    func record(_ error: SaigaError) {
        state.withLock { s in if s.error == nil { s.error = error } }
    }

    var error: SaigaError? { state.withLock { $0.error } }
}

/// One in-RAM segment being built and the settings to build it: the unit of indexing parallelism. With one
/// indexing thread the writer drives a partition directly; with several, each partition lives on its own thread
/// and receives documents in batches.
final class IndexingPartition: @unchecked Sendable {  // used by one thread at a time (see IndexWriter)
    let directory: IndexDirectory
    let analyzers: FieldAnalyzers
    let layout: FieldLayout
    let options: IndexWriterOptions
    let shared: IndexingShared
    /// This partition's share of the RAM budget, in bytes.
    let ramBudget: Int
    private(set) var builder: SegmentBuilder?

    init(
        directory: IndexDirectory, analyzers: FieldAnalyzers, layout: FieldLayout, options: IndexWriterOptions,
        shared: IndexingShared, ramBudget: Int
    ) {
        self.layout = layout
        self.directory = directory
        self.analyzers = analyzers
        self.options = options
        self.shared = shared
        self.ramBudget = ramBudget
    }

    func add(_ document: Document) throws(SaigaError) {
        if builder == nil {
            builder = try SegmentBuilder(
                directory: directory, number: shared.takeSegmentNumber(), analyzers: analyzers, layout: layout,
                compressionLevel: Int32(options.storeCompressionLevel))
        }
        let b = builder!
        try b.add(document)
        if b.bytesUsed >= ramBudget || b.isNearlyFull || b.maxDoc >= options.maxBufferedDocuments ?? Int.max {
            try flush()
        }
    }

    /// Writes the in-RAM segment to disk, if it has documents.
    func flush() throws(SaigaError) {
        guard let b = builder, b.maxDoc > 0 else { return }
        builder = nil
        let info = try b.flush()
        shared.state.withLock { $0.flushed.append(info) }
        options.onFlush?(info.maxDoc)
    }

    /// True if the in-RAM segment has this id.
    func contains(id: String) -> Bool { builder?.contains(id: id) ?? false }

    /// Deletes the in-RAM segment's files.
    func abort() {
        builder?.abort()
        builder = nil
    }
}

/// A partition on its own thread, fed through a bounded inbox (the writer blocks when a partition falls behind,
/// so memory stays bounded).
final class IndexingWorker: Sendable {
    enum Item: Sendable {
        case documents([Document])
        /// Process everything before it, flush if asked, then signal.
        case barrier(flush: Bool, done: DispatchSemaphore)
        case stop
    }

    let partition: IndexingPartition
    private let inbox = Mutex<[Item]>([])
    private let items = DispatchSemaphore(value: 0)
    private let spaces: DispatchSemaphore

    init(partition: IndexingPartition, capacity: Int = 4) {
        self.partition = partition
        spaces = DispatchSemaphore(value: capacity)
        Sys.spawnThread { [self] in run() }
    }

    func send(_ item: Item) {
        spaces.wait()
        inbox.withLock { $0.append(item) }
        items.signal()
    }

    private func run() {
        while true {
            items.wait()
            let item = inbox.withLock { $0.removeFirst() }
            spaces.signal()
            switch item {
            case .documents(let docs):
                guard partition.shared.error == nil else { continue }
                do throws(SaigaError) {
                    for d in docs { try partition.add(d) }
                } catch {
                    partition.shared.record(error)
                }
            case .barrier(let flush, let done):
                if flush && partition.shared.error == nil {
                    do throws(SaigaError) { try partition.flush() } catch { partition.shared.record(error) }
                }
                done.signal()
            case .stop:
                return
            }
        }
    }
}
