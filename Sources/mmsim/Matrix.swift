import ArgumentParser
import MMExplore
import MMKernel
import MMReport
import MMScenario

/// `mmsim matrix`: one test explored under every era and knob setting asked for, one
/// verdict per cell — the question "which kernels have the race, and does the patch fix
/// it?" in one table.
struct Matrix: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore one test across eras and knob settings and print a table of verdicts.")

    @Argument(help: "The test file.")
    var file: String

    @Option(name: .long, help: "Comma-separated eras, e.g. v5.10,v6.1 (default: all).")
    var eras: String?

    @Option(name: .long, help: "Comma-separated knobs to switch both ways, e.g. gup_fast_pgmap_check.")
    var knobs: String = ""

    @Option(name: .customLong("max-executions"), help: "Stop each cell after N executions.")
    var maxExecutions: Int?

    @Option(name: .long, help: "Stop exploring each cell after this many seconds.")
    var timeout: Double?

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    /// One cell of the matrix.
    struct Cell: Codable {
        var era: String
        var knobs: String
        var verdict: String
        var violations: [ViolationCount]
        var observation: ObservationCount?
        var executions: Int
        var complete: Bool
        /// Why the cell stopped early ("max-executions", "timeout", "interrupted").
        var stopReason: String?
        var expectationsHold: Bool
        /// False when the test did not really run in this cell: a setup statement was
        /// refused, or an op the file's own kernel runs was refused (-EINVAL) here.
        var ran: Bool
        /// The refused statements, when `ran` is false.
        var refused: [String]
    }

    /// The whole table.
    struct Table: Codable {
        var test: String
        var file: String
        var cells: [Cell]
        /// Ctrl-C stopped it: only the cells above were explored.
        var interrupted: Bool?
    }

    func run() throws {
        let loaded = try Loading.loadAll([file])[0]
        let eraList = try parseEras()
        let knobList = try parseKnobs()
        // What the file's own kernel refuses is the test's business (it may expect -EINVAL).
        let ownRefusals = Set(ScenarioRunner.runSequential(loaded).refusals)
        var cells: [Cell] = []
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
                let r = ScenarioRunner.run(cellTest, options: ExploreOptions(
                    strategy: .dpor, maxExecutions: maxExecutions, timeout: timeout))
                let refused = r.refusals.filter { $0.hasPrefix("init ") || !ownRefusals.contains($0) }
                let knobText = knobList.enumerated().map { (i, k) in
                    (mask & (1 << i) != 0 ? "+" : "-") + k.name
                }.joined(separator: " ")
                cells.append(Cell(era: era.name, knobs: knobText,
                                  verdict: refused.isEmpty ? verdict(r) : "did not run: " + refused[0],
                                  violations: r.violations, observation: r.observation,
                                  executions: r.executions, complete: r.complete,
                                  stopReason: r.stopReason, expectationsHold: r.passed,
                                  ran: refused.isEmpty, refused: refused))
            }
        }
        let table = Table(test: loaded.test.name, file: file, cells: cells,
                          interrupted: CtrlC.pressed ? true : nil)
        if json {
            emit(JSONReport.encode(table))
            if CtrlC.pressed { throw ExitCode(130) }
            return
        }
        emit(Matrix.render(table))
        if CtrlC.pressed { throw ExitCode(130) }
    }

    /// The table as text: every line under 100 columns, long verdicts wrapped.
    static func render(_ table: Table) -> String {
        let cells = table.cells
        let stopped = cells.filter { !$0.complete }
        let notRun = cells.filter { !$0.ran }
        var head = "Matrix \(table.test)  (DPOR; "
        if stopped.isEmpty {
            head += "every cell explored)"
        } else {
            let reasons = Set(stopped.compactMap(\.stopReason)).sorted().joined(separator: ", ")
            head += "\(stopped.count) of \(cells.count) cells stopped early (\(reasons)): "
                + "N+ means at least N executions, not every interleaving)"
        }
        var out = TextReport.wrap(head, indent: 2)
        if !notRun.isEmpty {
            out += TextReport.wrap("\(notRun.count) of \(cells.count) cells did not really run: "
                                   + "a statement was refused there (see the verdict)", indent: 2)
        }
        let knobWidth = max(6, cells.map(\.knobs.count).max() ?? 0) + 2
        out.append("era".cell(7) + "knobs".cell(knobWidth) + "executions".cell(12) + "verdict")
        for c in cells {
            let line = c.era.cell(7) + c.knobs.cell(knobWidth)
                + ("\(c.executions)" + (c.complete ? "" : "+")).cell(12) + c.verdict
            out += TextReport.wrap(line, indent: 7 + knobWidth + 12 + 2)
        }
        if table.interrupted == true {
            out.append("Interrupted (Ctrl-C): the cells above are those explored so far")
        }
        return out.joined(separator: "\n") + "\n"
    }

    func verdict(_ r: TestReport) -> String {
        var parts: [String] = r.violations.map { "\($0.kind) (\($0.executions))" }
        if parts.isEmpty { parts.append("pass") }
        if let o = r.observation { parts.append("\(o.outcome) \(o.positive)/\(o.positive + o.negative)") }
        return parts.joined(separator: ", ")
    }

    func parseEras() throws -> [Era] {
        guard let eras else { return Era.allCases }
        return try eras.split(separator: ",").map { name in
            guard let era = Era(name: String(name)) else {
                throw ValidationError("unknown era \(name): " + Era.allCases.map(\.name).joined(separator: ", "))
            }
            return era
        }
    }

    func parseKnobs() throws -> [Knob] {
        try knobs.split(separator: ",").map { name in
            guard let knob = Knob(name: String(name)) else {
                throw ValidationError("unknown knob \(name): " + Knob.allCases.map(\.name).joined(separator: ", "))
            }
            return knob
        }
    }
}

extension String {
    /// Left-aligned in a table cell of `n` columns (at least one space after).
    func cell(_ n: Int) -> String {
        count >= n ? self + " " : self + String(repeating: " ", count: n - count)
    }
}
