import ArgumentParser
import MMExplore
import MMReport
import MMScenario

/// `mmsim run`: one sequential execution per test (init, T0, T1, ..., finally).
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run tests sequentially: init, then T0, T1, ... one after another, then finally.",
        usage: """
            mmsim run <paths> ... [--verbose] [--stats] [--json]
                             [--timeout <seconds>] [--max-memory <size>]
            """)

    @Argument(help: "Test files or directories of *.litmus files.")
    var paths: [String]

    @Flag(name: .long, help: "Print each statement with its result.")
    var verbose = false

    @Flag(name: .long, help: "Print the model's counters (faults, pages allocated, ...).")
    var stats = false

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    @OptionGroup var budgets: BudgetOptions

    func run() throws {
        let tests = try Loading.loadAll(paths)
        var options = ExploreOptions(strategy: .sequential)
        try budgets.apply(to: &options)
        CtrlC.install()
        var reports: [TestReport] = []
        for t in tests {
            if CtrlC.pressed { break }
            reports.append(ScenarioRunner.run(t, options: CtrlC.watching(options),
                                              verbose: verbose))
        }
        try Output.finish(reports, json: json, verbose: verbose, stats: stats,
                          notRun: tests.count - reports.count)
    }
}

/// Printing reports and choosing the exit status.
enum Output {
    /// `notRun`: tests left out because Ctrl-C was pressed (then the exit status is 130).
    static func finish(_ reports: [TestReport], json: Bool, verbose: Bool, stats: Bool,
                       notRun: Int = 0) throws {
        let interrupted = CtrlC.pressed
        if json {
            emit(JSONReport.render(reports, interrupted: interrupted, notRun: notRun))
        } else {
            for r in reports { emit(TextReport.render(r, verbose: verbose, stats: stats) + "\n") }
            if reports.contains(where: TextReport.showsTrace) { emit(TextReport.legend) }
            if interrupted {
                emit("Interrupted (Ctrl-C): the results above are what was explored so far"
                     + (notRun > 0 ? "; \(notRun) test\(notRun == 1 ? "" : "s") not run" : "")
                     + "\n")
            }
            emit(TextReport.summary(reports))
        }
        if interrupted { throw ExitCode(130) }
        // An internal error is the model's own bug: exit 3, whatever the expectations say.
        if reports.contains(where: { $0.internalErrorExecutions > 0 }) { throw ExitCode(3) }
        let verdicts = Set(reports.map(\.verdict))
        if verdicts.contains(.failed) { throw ExitCode(1) }
        if verdicts.contains(.setupError) { throw ExitCode(ExitStatus.setupError) }
        if verdicts.contains(.inconclusive) { throw ExitCode(ExitStatus.inconclusive) }
    }
}

/// Exit statuses beyond 0 (every expectation holds), 1 (one does not or a violation was
/// unexpected), 2 (a malformed test) and 3 (an internal error of the model).
enum ExitStatus {
    /// A budget (`--timeout`, `--max-memory`, `--max-executions`) stopped an exploration
    /// before an expectation could be decided, and none failed.
    static let inconclusive: Int32 = 4
    /// A setup step failed (e.g. an era refusing a `pmem` the test needs); its test ran
    /// nothing after it.
    static let setupError: Int32 = 5
}
