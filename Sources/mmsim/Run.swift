import ArgumentParser
import MMExplore
import MMReport
import MMScenario

/// `mmsim run`: one sequential execution per test (init, T0, T1, ..., finally).
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run tests sequentially: init, then T0, T1, ... one after another, then finally.")

    @Argument(help: "Test files or directories of *.litmus files.")
    var paths: [String]

    @Flag(name: .long, help: "Print each statement with its result.")
    var verbose = false

    @Flag(name: .long, help: "Print the model's counters (faults, pages allocated, ...).")
    var stats = false

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    func run() throws {
        let tests = try Loading.loadAll(paths)
        CtrlC.install()
        var reports: [TestReport] = []
        for t in tests {
            if CtrlC.pressed { break }
            reports.append(ScenarioRunner.run(t, options: ExploreOptions(strategy: .sequential),
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
        if !reports.allSatisfy(\.passed) { throw ExitCode(1) }
    }
}
