/// A command line parsed by `CommandSpec.parse`: the options given and the positional arguments, read through
/// typed accessors that turn a bad value into a `UsageError` naming the option as the user spells it.
struct Arguments {
    let command: CommandSpec
    let positional: [String]
    /// Option name → its values, in order (`value` reads the last, `values` all: repeatable options).
    private let values: [String: [String]]
    private let flags: Set<String>

    init(command: CommandSpec, positional: [String], values: [String: [String]], flags: Set<String>) {
        self.command = command
        self.positional = positional
        self.values = values
        self.flags = flags
    }

    func flag(_ option: OptionSpec) -> Bool {
        assertDeclared(option)
        return flags.contains(option.name)
    }

    /// The option's value; given several times, the last one wins.
    func value(_ option: OptionSpec) -> String? {
        assertDeclared(option)
        return values[option.name]?.last
    }

    /// Every value of a repeatable option, in order.
    func values(_ option: OptionSpec) -> [String] {
        assertDeclared(option)
        return values[option.name] ?? []
    }

    /// The option's integer value in `range`, or `d` when it is not given.
    func int(_ option: OptionSpec, default d: Int, range: ClosedRange<Int>) throws(UsageError) -> Int {
        try int(option, range: range) ?? d
    }

    /// The option's integer value in `range`, or nil when it is not given.
    func int(_ option: OptionSpec, range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let v = value(option) else { return nil }
        guard let n = Int(v), range.contains(n) else {
            throw UsageError(
                "\(option.spelling) must be an integer in \(range.lowerBound)...\(range.upperBound) (got \"\(v)\")")
        }
        return n
    }

    /// The option's finite number, or nil when it is not given.
    func float(_ option: OptionSpec) throws(UsageError) -> Float? {
        guard let v = value(option) else { return nil }
        guard let f = Float(v), f.isFinite else {
            throw UsageError("\(option.spelling) must be a number (got \"\(v)\")")
        }
        return f
    }

    /// Reading an option the command does not declare is a bug of the tool (the parser never accepts it, so it
    /// would silently read as absent): caught in debug builds, which the tests run.
    private func assertDeclared(_ option: OptionSpec) {
        assert(
            command.options.contains { $0.name == option.name },
            "'\(command.name)' reads \(option.spelling) but does not declare it")
    }
}
