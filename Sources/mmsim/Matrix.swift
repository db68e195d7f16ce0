import ArgumentParser
import Foundation
import MMExplore
import MMKernel
import MMReport
import MMScenario

/// `mmsim matrix`: one test explored under every era and knob setting asked for, one
/// verdict per cell — the question "which kernels have the race, and does the patch fix
/// it?" in one table.
struct Matrix: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore one test across eras and knob settings and print a table of verdicts.",
        usage: """
            mmsim matrix <file> [--eras <eras>] [--knobs <knobs>]
                             [--max-executions <max-executions>] [--json]
                             [--timeout <seconds>] [--max-memory <size>]
            """)

    @Argument(help: "The test file.")
    var file: String

    @Option(name: .long, help: "Comma-separated eras, e.g. v5.10,v6.1 (default: all).")
    var eras: String?

    @Option(name: .long,
            help: "Comma-separated knobs to switch both ways, e.g. gup_fast_pgmap_check.")
    var knobs: String = ""

    @Option(name: .customLong("max-executions"), help: "Stop each cell after N executions.")
    var maxExecutions: Int?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var budgets: BudgetOptions

    func run() throws {
        var options = ExploreOptions(strategy: .dpor, maxExecutions: maxExecutions)
        try budgets.apply(to: &options)
        let loaded = try Loading.loadAll([file])[0]
        let eraList = try parseEras()
        let knobList = try parseKnobs()
        // What the file's own kernel refuses is the test's business (it may expect -EINVAL).
        let ownRefusals = Set(ScenarioRunner.runSequential(loaded).refusals)
        var cells: [MatrixReport.Cell] = []
        CtrlC.install()
        for era in eraList where !CtrlC.pressed {
            // Every combination of the knobs (the file's own overrides apply first).
            for mask in 0..<(1 << knobList.count) {
                var config = KernelConfig(era: era)
                for o in loaded.test.kernel?.overrides ?? [] { config.set(o.knob, o.on) }
                for (i, knob) in knobList.enumerated() { config.set(knob, mask & (1 << i) != 0) }
                var cellTest = loaded
                cellTest.config = config
                if CtrlC.pressed { break }
                let r = ScenarioRunner.run(cellTest, options: CtrlC.watching(options))
                let knobText = knobList.enumerated().map { (i, k) in
                    (mask & (1 << i) != 0 ? "+" : "-") + k.name
                }.joined(separator: " ")
                cells.append(MatrixReport.Cell(era: era.name, knobs: knobText, report: r,
                                               ownRefusals: ownRefusals))
            }
        }
        let table = MatrixReport.Table(test: loaded.test.name, file: file, cells: cells,
                          interrupted: CtrlC.pressed ? true : nil)
        if json {
            emit(JSONReport.encode(table))
            if CtrlC.pressed { throw ExitCode(130) }
            return
        }
        emit(MatrixReport.render(table))
        if CtrlC.pressed { throw ExitCode(130) }
    }

    func parseEras() throws -> [Era] {
        guard let eras else { return Era.allCases }
        return try eras.split(separator: ",").map { name in
            guard let era = Era(name: String(name)) else {
                throw ValidationError("unknown era \(name): "
                                      + Era.allCases.map(\.name).joined(separator: ", "))
            }
            return era
        }
    }

    func parseKnobs() throws -> [Knob] {
        try knobs.split(separator: ",").map { name in
            guard let knob = Knob(name: String(name)) else {
                throw ValidationError("unknown knob \(name): "
                                      + Knob.allCases.map(\.name).joined(separator: ", "))
            }
            return knob
        }
    }
}

