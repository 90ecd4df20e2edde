// saiga: the command-line tool of the Saiga search engine. See README.md and `saiga help`.

#if canImport(Glibc)
@preconcurrency import Glibc
#endif
import Saiga
import SaigaIngest

let usage = """
    usage: saiga <command> [options]

    commands:
      index [INPUT ...]    build an index from .txt/.md/.jsonl(.gz) files or directories (default: Index/corpus)
      search QUERY ...     search the index (builds the default index first if there is none)
      analyze TEXT ...     print the terms TEXT analyzes to, one per line
      stats                print the size and shape of the index
      delete ID ...        delete documents by id (or --query QUERY)
      merge                merge segments (--max-segments N)
      check                verify every file and invariant of the index (--repair drops damaged segments)
      serve                serve the index over TCP (docs/PROTOCOL.md)
      help [COMMAND]       print help

    common options:
      --index DIR          the index directory (default: Index/index, or $SAIGA_INDEX)
    """

signal(SIGPIPE, SIG_IGN)
// A file-size limit (ulimit -f) must surface as a write error (EFBIG), reported like a full disk, not kill us.
signal(SIGXFSZ, SIG_IGN)
var args = Array(CommandLine.arguments.dropFirst())
let command = args.isEmpty ? "help" : args.removeFirst()
let status: Int32
do {
    if args.contains("--help") || args.contains("-h") {
        Terminal.out(Help.text(for: command))
        exit(0)
    }
    switch command {
    case "index": status = try IndexCommand.run(args)
    case "search": status = try SearchCommand.run(args)
    case "analyze": status = try AnalyzeCommand.run(args)
    case "stats": status = try StatsCommand.run(args)
    case "delete": status = try DeleteCommand.run(args)
    case "merge": status = try MergeCommand.run(args)
    case "check": status = try CheckCommand.run(args)
    case "serve": status = try ServeCommand.run(args)
    case "help", "-h", "--help":
        Terminal.out(Help.text(for: args.first))
        status = 0
    case "version", "--version":
        Terminal.out("saiga \(Help.version)")
        status = 0
    default:
        throw UsageError("unknown command '\(command)'")
    }
} catch let e as UsageError {
    Terminal.err("saiga: \(e.description)")
    Terminal.err("run 'saiga help' for usage")
    status = 64
} catch let e as SaigaError {
    Terminal.err("saiga: \(e)")
    status = 1
} catch let e as IngestIssue {
    Terminal.err("saiga: \(e)")
    status = 1
} catch {
    Terminal.err("saiga: \(error)")
    status = 1
}
let outputError = Terminal.stdoutError.load(ordering: .relaxed)
if outputError != 0 {
    // A reader that closed the pipe early (`| head`) stopped on purpose: no message, but not success either.
    if outputError != EPIPE { Terminal.err("saiga: cannot write the output: \(String(cString: strerror(outputError)))") }
    exit(status == 0 ? 1 : status)
}
exit(status)
