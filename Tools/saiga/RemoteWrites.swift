import Saiga
import SaigaClient
import SaigaIngest
import SaigaPosix
import SaigaWire

/// `saiga index --server` and `saiga delete --server`: the same inputs and arguments, written through a `saiga serve`
/// server (WRITE messages) instead of into an index directory.
enum RemoteWrites {
    /// What `saiga index --server` did.
    struct Summary {
        var sent = 0
        var added = 0
        var replaced = 0
        var writes = 0
        var generation: UInt64 = 0
        var documents: UInt64 = 0
        var skipped = 0
        var seconds = 0.0
    }

    /// Batches in flight at once: enough to keep the server's group commits full while one batch is answered.
    static let window = 4

    /// Reads the inputs and sends them in WRITEs of `batchSize` documents. Each WRITE is committed when it is
    /// answered, so an error stops the run with the earlier batches committed. A refused document stops it too,
    /// unless `skipBad`: then it is reported and the batch is sent again without it.
    static func index(
        inputs: [String], split: SplitMode, server: String, index: String?, token: String?, batchSize: Int,
        skipBad: Bool,
        quiet: Bool
    ) throws -> Summary {
        let start = Terminal.now()
        let client: SaigaClient
        do { client = try SaigaClient(address: server, token: token, requestTimeout: .seconds(600)) } catch {
            throw UsageError("\(error)")
        }
        var issues: [IngestIssue] = []
        let corpus = CorpusReader(inputs: inputs, split: split, issues: &issues)
        for note in corpus.notes where !quiet { Terminal.err("saiga: note: \(note)") }
        var summary = Summary()
        var bad = SkippedInputs(skipBad: skipBad)
        func note(_ issue: IngestIssue) -> Bool { bad.note(issue) }
        for issue in issues where !note(issue) { throw issue }

        // Batches waiting to be sent: each document's JSON and where it came from (for messages).
        var batches: [[(json: String, location: IngestIssue)]] = []
        var current: [(json: String, location: IngestIssue)] = []
        var waited = 0  // rounds told only to retry later, in a row
        func sendQueued() throws {
            while !batches.isEmpty {
                let answers: [Response]
                do {
                    answers = try client.pipeline(
                        batches.map { .write(WriteRequest(documents: $0.map(\.json), index: index)) })
                } catch {
                    throw RemoteError(message: "\(server): \(error)")
                }
                // Answers in order. At the first batch that must go again (retry later, or refused documents
                // taken out), it and every batch after it are sent again, in order, whatever their answers: a
                // later version of an id never lands before an earlier one.
                var again: [[(json: String, location: IngestIssue)]] = []
                var retryOnly = true
                for (batch, answer) in zip(batches, answers) {
                    if !again.isEmpty {
                        again.append(batch)
                        continue
                    }
                    switch answer {
                    case .written(let w):
                        summary.sent += batch.count
                        summary.added += Int(w.added)
                        summary.replaced += Int(w.replaced)
                        summary.writes += 1
                        summary.generation = max(summary.generation, w.generation)
                        summary.documents = w.documents
                    case .error(let e) where e.code == .retryLater:
                        again.append(batch)
                    case .error(let e) where e.code == .invalidDocument && !e.rejected.isEmpty:
                        retryOnly = false
                        var bad = Set<Int>()
                        for r in e.rejected {
                            let p = Int(r.position)
                            guard p < batch.count else { continue }
                            bad.insert(p)
                            let origin = batch[p].location
                            let issue = IngestIssue(path: origin.path, line: origin.line, message: r.message)
                            if !note(issue) { throw issue }
                        }
                        let kept = batch.enumerated().filter { !bad.contains($0.offset) }.map(\.element)
                        // Nothing left of it: the batches after it still go again (their answers are not counted).
                        again.append(kept)
                    case .error(let e):
                        throw RemoteError(message: "\(server): \(e)")
                    default:
                        throw RemoteError(message: "\(server): unexpected answer to WRITE")
                    }
                }
                again.removeAll { $0.isEmpty }
                if !again.isEmpty && retryOnly {
                    waited += 1
                    guard waited <= 3000 else {
                        throw RemoteError(message: "\(server): still told to retry later after 5 minutes")
                    }
                    Sys.sleep(milliseconds: 100)  // the server's queue is full: give its commits time
                } else {
                    waited = 0
                }
                batches = again
            }
        }
        // A WRITE stays well under the server's default frame limit (16 MiB) whatever --batch says.
        let maxBatchBytes = 8 << 20
        var currentBytes = 0
        try corpus.forEachDocument(
            { doc, location in
                let text = json(doc)
                if !current.isEmpty && currentBytes + text.utf8.count > maxBatchBytes {
                    batches.append(current)
                    current = []
                    currentBytes = 0
                    if batches.count >= window { try sendQueued() }
                }
                current.append((text, location))
                currentBytes += text.utf8.count
                if current.count >= batchSize {
                    currentBytes = 0
                    batches.append(current)
                    current = []
                    if batches.count >= window { try sendQueued() }
                }
            }, onIssue: note)
        if !current.isEmpty { batches.append(current) }
        try sendQueued()
        guard summary.sent > 0 else {
            throw IngestIssue(
                path: inputs.joined(separator: " "), line: 0, message: "no documents to send (the index is unchanged)")
        }
        summary.seconds = Terminal.now() - start
        summary.skipped = bad.count
        return summary
    }

    /// Deletes `ids` and the matches of `query` in one WRITE; returns how many documents went and the generation.
    static func delete(
        ids: [String], query: String?, server: String, index: String?, token: String?
    ) throws -> WriteResponse {
        let client: SaigaClient
        do { client = try SaigaClient(address: server, token: token) } catch { throw UsageError("\(error)") }
        do {
            return try client.write(
                WriteRequest(deleteIDs: ids, deleteQueries: query.map { [$0] } ?? [], index: index))
        } catch {
            throw RemoteError(message: "\(server): \(error)")
        }
    }

    /// A document as the JSON object a WRITE carries (the JSONL form `saiga index` reads): `id`, `title`, `body`, and
    /// each field with its value, or its values in an array when it has several.
    static func json(_ d: Document) -> String {
        var pairs = [("id", JSON.string(d.id)), ("title", JSON.string(d.title)), ("body", JSON.string(d.body))]
        var order: [String] = []
        var values: [String: [String]] = [:]
        for f in d.fields {
            if values[f.name] == nil { order.append(f.name) }
            values[f.name, default: []].append(JSON.value(f.value))
        }
        for name in order {
            let v = values[name]!
            pairs.append((name, v.count == 1 ? v[0] : JSON.array(v)))
        }
        return JSON.object(pairs)
    }
}

/// A failure on the server's side of a remote write, printed as `saiga: MESSAGE`.
struct RemoteError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
