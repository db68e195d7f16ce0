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
        abstract: "Explore one test across eras and knob settings and print a table of verdicts.")

    @Argument(help: "The test file.")
    var file: String

    @Option(name: .long, help: "Comma-separated eras, e.g. v5.10,v6.1 (default: all).")
    var eras: String?

    @Option(name: .long, help: "Comma-separated knobs to switch both ways, e.g. gup_fast_pgmap_check.")
    var knobs: String = ""

    @Option(name: .customLong("max-executions"), help: "Stop each cell after N executions.")
    var maxExecutions: Int?

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
        var expectationsHold: Bool
    }

    /// The whole table.
    struct Table: Codable {
        var test: String
        var file: String
        var cells: [Cell]
    }

    @OptionGroup var budgets: BudgetOptions

    func run() throws {
        var options = ExploreOptions(strategy: .dpor, maxExecutions: maxExecutions)
        try budgets.apply(to: &options)
        let loaded = try Loading.loadAll([file])[0]
        let eraList = try parseEras()
        let knobList = try parseKnobs()
        var cells: [Cell] = []
        for era in eraList {
            // Every combination of the knobs (the file's own overrides apply first).
            for mask in 0..<(1 << knobList.count) {
                var config = KernelConfig(era: era)
                for o in loaded.test.kernel?.overrides ?? [] { config.set(o.knob, o.on) }
                for (i, knob) in knobList.enumerated() { config.set(knob, mask & (1 << i) != 0) }
                var cellTest = loaded
                cellTest.config = config
                let r = ScenarioRunner.run(cellTest, options: options)
                let knobText = knobList.enumerated().map { (i, k) in
                    (mask & (1 << i) != 0 ? "+" : "-") + k.name
                }.joined(separator: " ")
                cells.append(Cell(era: era.name, knobs: knobText, verdict: verdict(r),
                                  violations: r.violations, observation: r.observation,
                                  executions: r.executions, complete: r.complete,
                                  expectationsHold: r.passed))
            }
        }
        let table = Table(test: loaded.test.name, file: file, cells: cells)
        if json {
            emit(JSONReport.encode(table))
            return
        }
        emit("Matrix \(loaded.test.name)  (DPOR; every cell explored)\n")
        let knobWidth = max(6, cells.map(\.knobs.count).max() ?? 0) + 2
        emit("era".cell(7) + "knobs".cell(knobWidth) + "executions".cell(12) + "verdict\n")
        for c in cells {
            let line = c.era.cell(7) + c.knobs.cell(knobWidth)
                + ("\(c.executions)" + (c.complete ? "" : "+")).cell(12) + c.verdict
            emit(String(line.prefix(99)) + "\n")
        }
    }

    func verdict(_ r: TestReport) -> String {
        if let setup = r.setupError {
            // "FILE:L:C: setup error: WHY": the cell shows where and why.
            let at = setup.split(separator: ":").dropFirst().prefix(2).joined(separator: ":")
            var why = setup.firstRange(of: "setup error: ").map { String(setup[$0.upperBound...]) } ?? setup
            // "`pmem pm0 size=16M ...` returned -EOPNOTSUPP under v4.4; ..." → the op and errno.
            let quoted = why.split(separator: "`", omittingEmptySubsequences: false)
            if quoted.count >= 3 {
                let words = quoted[1].split(separator: " ")
                let op = words.firstIndex(of: "=").map { words.index(after: $0) }
                    .flatMap { $0 < words.endIndex ? words[$0] : nil }
                    ?? words.first { !$0.hasSuffix(":") }
                let rest = quoted[2].split(separator: ";")[0]
                    .replacingOccurrences(of: " under \(r.kernel)", with: "")
                why = "`\(op ?? "")` " + rest.trimmingCharacters(in: .whitespaces)
            }
            return "setup error at \(at): \(why)"
        }
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
