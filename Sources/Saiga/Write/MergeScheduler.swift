import Dispatch
import SaigaPosix
import Synchronization

/// Runs segment merges on one background thread for an `IndexWriter`.
///
/// The writer hands over a merge (segment infos and a snapshot of their deletions) and later collects the result
/// on its own thread; the merge thread reads only immutable segment files and writes only the new segment's
/// files, so no lock is held while merging. Deletions that arrive while a merge runs are carried over by the
/// writer through the merge's document maps.
final class MergeScheduler: Sendable {
    struct Task: Sendable {
        let sources: [SegmentInfo]
        let deletions: [DeletedDocuments?]
        let output: String
    }

    struct Completed: Sendable {
        let task: Task
        let result: Result<MergeOutput, SaigaError>
    }

    struct MergeOutput: Sendable {
        let info: SegmentInfo
        let docMaps: [[Int32]]
    }

    private struct State {
        var queue: [Task] = []
        var running: Task?
        var completed: [Completed] = []
        var aborting = false
        var stopped = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled after every finished merge (for waiters).
    private let finished = DispatchSemaphore(value: 0)
    private let directory: IndexDirectory
    private let layout: FieldLayout
    private let compressionLevel: Int32

    init(directory: IndexDirectory, layout: FieldLayout, compressionLevel: Int32) {
        self.directory = directory
        self.layout = layout
        self.compressionLevel = compressionLevel
        Sys.spawnThread { [self] in run() }
    }

    /// Queues a merge.
    func enqueue(_ task: Task) {
        state.withLock { s in
            s.aborting = false
            s.queue.append(task)
        }
        wake.signal()
    }

    /// Merges queued or running.
    var pending: Int { state.withLock { $0.queue.count + ($0.running == nil ? 0 : 1) } }

    /// Names of the segments in merges queued, running, or finished but not yet taken. A finished merge's sources
    /// count until the writer takes its result: chosen again meanwhile, they would be merged twice, and once the
    /// first result replaced them the second merge would find their files deleted.
    var mergingSegments: Set<String> {
        state.withLock { s in
            var names = Set<String>()
            for t in s.queue { names.formUnion(t.sources.map(\.name)) }
            if let r = s.running { names.formUnion(r.sources.map(\.name)) }
            for c in s.completed { names.formUnion(c.task.sources.map(\.name)) }
            return names
        }
    }

    /// Output names of merges queued, running, or finished but not yet taken (their files must not be deleted as
    /// orphans).
    var outputsInProgress: Set<String> {
        state.withLock { s in
            var names = Set(s.queue.map(\.output))
            if let r = s.running { names.insert(r.output) }
            for c in s.completed { names.insert(c.task.output) }
            return names
        }
    }

    /// True if merges finished and their results were not taken yet.
    var hasCompleted: Bool { state.withLock { !$0.completed.isEmpty } }

    /// Takes the merges finished since the last call.
    func takeCompleted() -> [Completed] {
        state.withLock { s in
            let c = s.completed
            s.completed.removeAll()
            return c
        }
    }

    /// Blocks until at least one merge finishes (returns at once if none is queued or running).
    func waitForOne() {
        while true {
            let (busy, haveCompleted) = state.withLock {
                ($0.running != nil || !$0.queue.isEmpty, !$0.completed.isEmpty)
            }
            if haveCompleted || !busy { return }
            finished.wait()
        }
    }

    /// Blocks until nothing is queued or running.
    func waitForIdle() {
        while state.withLock({ $0.running != nil || !$0.queue.isEmpty }) { finished.wait() }
    }

    /// Drops queued merges and stops the running one (its partial files are deleted), then waits for it.
    func abortAll() {
        let dropped = state.withLock { s -> [Task] in
            s.aborting = true
            let q = s.queue
            s.queue.removeAll()
            return q
        }
        _ = dropped
        waitForIdle()
        state.withLock { s in
            s.completed.removeAll()
            s.aborting = false
        }
    }

    /// Aborts everything and ends the thread.
    func stop() {
        abortAll()
        state.withLock { $0.stopped = true }
        wake.signal()
    }

    private func run() {
        while true {
            wake.wait()
            while true {
                let next = state.withLock { s -> Task?? in
                    if s.stopped { return .some(nil) }
                    guard !s.queue.isEmpty else { return nil }
                    let t = s.queue.removeFirst()
                    s.running = t
                    return .some(t)
                }
                guard let task = next else { break }  // queue empty: sleep
                guard let task else { return }  // stopped
                let result = execute(task)
                state.withLock { s in
                    s.running = nil
                    if !s.aborting {
                        s.completed.append(Completed(task: task, result: result))
                    } else if case .success(let out) = result {
                        // Aborted after finishing: nobody will use the output.
                        for name in out.info.fileNames { try? directory.delete(name) }
                    }
                }
                finished.signal()
            }
        }
    }

    private var isAborting: Bool { state.withLock { $0.aborting } }

    private func execute(_ task: Task) -> Result<MergeOutput, SaigaError> {
        do throws(SaigaError) {
            var sources: [SegmentMerger.Source] = []
            for (info, deletions) in zip(task.sources, task.deletions) {
                // Every chunk verified: a damaged segment must fail the merge, not be copied into a new one.
                let reader = try SegmentReader(directory: directory, info: info, verification: .atOpen)
                sources.append(SegmentMerger.Source(reader: reader, deletions: deletions))
            }
            let merger = SegmentMerger(
                directory: directory, sources: sources, name: task.output, layout: layout,
                compressionLevel: compressionLevel,
                shouldAbort: { [self] in self.isAborting })
            let (info, maps) = try merger.merge()
            return .success(MergeOutput(info: info, docMaps: maps))
        } catch {
            return .failure(error)
        }
    }
}
