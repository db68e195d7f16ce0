import Foundation
import MMScenario

/// `mmsim matrix`: one test under several eras and knob settings, one verdict per cell.
/// The header says whether every cell was explored to the end, and a cell where the test
/// did not really run (a setup step failed, a setup statement refused, an op this era
/// refuses) says so instead of a verdict that would read as "pass".
public enum MatrixReport {
    /// One cell of the matrix.
    public struct Cell: Codable, Hashable, Sendable {
        /// The era (`v5.10`).
        public var era: String
        /// The knobs switched (`+gup_fast_pgmap_check`).
        public var knobs: String
        /// What the cell says: violations and observation, or why it did not run.
        public var verdict: String
        /// Violation kinds and their counts.
        public var violations: [ViolationCount]
        /// The condition's observation.
        public var observation: ObservationCount?
        /// Executions explored.
        public var executions: Int
        /// False when a budget (or Ctrl-C) stopped the cell early.
        public var complete: Bool
        /// Why it stopped early ("max-executions", "timeout", "interrupted").
        public var stopReason: String?
        /// Whether the file's expect lines hold in this cell.
        public var expectationsHold: Bool
        /// False when the test did not really run here: a setup step failed, an `init`
        /// statement was refused, or a thread statement the file's own kernel runs was
        /// refused with -EINVAL.
        public var ran: Bool
        /// The failed setup step (`FILE:LINE:COLUMN: setup error: ...`), if one failed.
        public var setupError: String?
        /// The refused statements (`T0 line 12: gup buf pages=1 pin => -EINVAL`).
        public var refused: [String]

        /// The cell of `report`; `ownRefusals` are the statements the file's own kernel
        /// line refuses too (the test's business: it may expect -EINVAL).
        public init(era: String, knobs: String, report r: TestReport, ownRefusals: Set<String>) {
            self.era = era
            self.knobs = knobs
            refused = r.refusals.filter { $0.hasPrefix("init ") || !ownRefusals.contains($0) }
            setupError = r.setupError
            ran = refused.isEmpty && r.setupError == nil
            violations = r.violations
            observation = r.observation
            executions = r.executions
            complete = r.complete
            stopReason = r.stopReason
            expectationsHold = r.passed
            if let setup = r.setupError {
                verdict = "did not run: " + MatrixReport.shortSetupError(setup, kernel: r.kernel)
            } else if let first = refused.first {
                verdict = "did not run: " + first
                    + (refused.count > 1 ? " (and \(refused.count - 1) more)" : "")
            } else {
                var parts: [String] = r.violations.map { "\($0.kind) (\($0.executions))" }
                if parts.isEmpty { parts.append("pass") }
                if let o = r.observation {
                    parts.append("\(o.outcome) \(o.positive)/\(o.positive + o.negative)")
                }
                verdict = parts.joined(separator: ", ")
            }
        }
    }

    /// The whole table.
    public struct Table: Codable, Hashable, Sendable {
        /// The test's name.
        public var test: String
        /// Its file.
        public var file: String
        /// The cells, era by era.
        public var cells: [Cell]
        /// Ctrl-C stopped it: only the cells present were explored.
        public var interrupted: Bool?

        /// Creates a table.
        public init(test: String, file: String, cells: [Cell], interrupted: Bool? = nil) {
            self.test = test
            self.file = file
            self.cells = cells
            self.interrupted = interrupted
        }
    }

    /// `FILE:L:C: setup error: WHY` as a cell shows it: `setup error at L:C: WHY`, a
    /// quoted statement cut to its op and errno.
    public static func shortSetupError(_ setup: String, kernel: String) -> String {
        let at = setup.split(separator: ":").dropFirst().prefix(2).joined(separator: ":")
        var why = setup.firstRange(of: "setup error: ").map { String(setup[$0.upperBound...]) }
            ?? setup
        // "`pmem pm0 size=16M ...` returned -EOPNOTSUPP under v4.4; ..." → the op and errno.
        let quoted = why.split(separator: "`", omittingEmptySubsequences: false)
        if quoted.count >= 3 {
            let words = quoted[1].split(separator: " ")
            let op = words.firstIndex(of: "=").map { words.index(after: $0) }
                .flatMap { $0 < words.endIndex ? words[$0] : nil }
                ?? words.first { !$0.hasSuffix(":") }
            let rest = quoted[2].split(separator: ";")[0]
                .replacingOccurrences(of: " under \(kernel)", with: "")
            why = "`\(op ?? "")` " + rest.trimmingCharacters(in: .whitespaces)
        }
        return "setup error at \(at): \(why)"
    }

    /// The table as text: every line under 100 columns, long verdicts wrapped.
    public static func render(_ table: Table) -> String {
        let cells = table.cells
        let stopped = cells.filter { !$0.complete }
        let notRun = cells.filter { !$0.ran }
        var head = "Matrix \(table.test)  (DPOR; "
        if stopped.isEmpty {
            head += "every cell explored)"
        } else {
            let reasons = Set(stopped.compactMap(\.stopReason)).sorted().joined(separator: ", ")
            head += "\(stopped.count) of \(cells.count) cells stopped early by \(reasons): "
                + "N+ is N executions, not every interleaving)"
        }
        var out = TextReport.wrap(head, indent: 2)
        if !notRun.isEmpty {
            out += TextReport.wrap("\(notRun.count) of \(cells.count) cells did not really run: "
                                   + "a setup step failed or a statement was refused there "
                                   + "(see the verdict)", indent: 2)
        }
        let knobWidth = max(6, cells.map(\.knobs.count).max() ?? 0) + 2
        out.append(pad("era", 7) + pad("knobs", knobWidth) + pad("executions", 12) + "verdict")
        for c in cells {
            let line = pad(c.era, 7) + pad(c.knobs, knobWidth)
                + pad("\(c.executions)" + (c.complete ? "" : "+"), 12) + c.verdict
            out += TextReport.wrap(line, indent: 7 + knobWidth + 12)
        }
        if table.interrupted == true {
            out.append("Interrupted (Ctrl-C): only the cells above were explored")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Left-aligned in a cell of `n` columns (at least one space after).
    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
    }
}
