// saiga: the command-line tool of the Saiga search engine. See README.md and `saiga help`.

import Saiga
import SaigaIngest

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

signal(SIGPIPE, SIG_IGN)
// A file-size limit (ulimit -f) must surface as a write error (EFBIG), reported like a full disk, not kill us.
signal(SIGXFSZ, SIG_IGN)
var args = Array(CommandLine.arguments.dropFirst())
var name = args.isEmpty ? "help" : args.removeFirst()
// The spellings swift-argument-parser and most tools accept in place of a command.
if name == "--help" || name == "-h" { name = "help" }
if name == "--version" { name = "version" }
let command = Help.command(named: name)
let status: Int32
do {
    guard let command else { throw UsageError("unknown command '\(name)'") }
    if CommandSpec.asksForHelp(args) {
        Terminal.out(Help.text(for: command.spec))
        status = 0
    } else {
        status = try command.run(command.spec.parse(args))
    }
} catch let e as UsageError {
    Terminal.err("saiga: \(e.description)")
    // `saiga help nosuch` is pointed at the command list, not at the help of help.
    Terminal.err(command == nil || name == "help" ? "run 'saiga help' for usage" : "run 'saiga help \(name)' for usage")
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
    if outputError != EPIPE {
        Terminal.err("saiga: cannot write the output: \(String(cString: strerror(outputError)))")
    }
    exit(status == 0 ? 1 : status)
}
exit(status)
