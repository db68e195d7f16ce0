import MMScenario

/// The herd-like text report of scenario-format.md ("Output"), with the expectations'
/// verdicts, the first violation's details and its trace. Every line stays under 100
/// columns so it pastes into an email.
public enum TextReport {
    /// Renders one test's report.
    public static func render(_ r: TestReport, verbose: Bool = false, stats: Bool = false,
                              traceLines: Int = 60) -> String {
        var out: [String] = []
        out.append("Test \(r.name)  kernel \(r.kernel)")
        let seconds = String(format2(r.seconds))
        if let setup = r.setupError {
            out += wrap(setup, indent: 2)
            out.append("Setup failed: nothing after that statement ran; the test is not judged")
        }
        var exec = "Executions \(r.executions) (\(r.strategy)), \(seconds) s"
        // Sleep-set-blocked runs cost time but are not executions (docs/explorer.md).
        if r.redundant > 0 { exec += "; \(r.redundant) redundant runs" }
        if !r.complete { exec += "  [incomplete: \(r.stopReason ?? "budget")]" }
        out.append(exec)
        if !r.complete, let reason = r.stopReason, reason != "first-interesting" {
            let what = reason == "max-memory" ? "mmsim's resident memory passed --max-memory"
                : reason == "timeout" ? "--timeout passed"
                : reason == "interrupted" ? "interrupted (Ctrl-C)"
                : reason == "thread-limit" ? "an execution needed more than 64 threads and agents"
                : "--max-executions reached"
            let covered = r.completeUpToPreemptions.map { k in
                "complete up to \(k) preemption\(k == 1 ? "" : "s"); " } ?? ""
            out.append("Stopped: \(what); \(covered)\(r.executions) complete executions counted")
        } else if r.complete, let k = r.completeUpToPreemptions {
            out.append("Complete up to \(k) preemption\(k == 1 ? "" : "s") (not beyond)")
        }
        if let bound = r.pctBound {
            out.append("PCT bound: each run finds a given bug with p >= \(bound)")
        }
        for v in r.violations {
            out.append("Violation \(v.kind): \(v.executions) of \(r.executions) executions")
        }
        if let o = r.observation {
            out.append("Observation \(r.name) \(o.outcome) \(o.positive) \(o.negative)")
        }
        if !r.states.isEmpty {
            // herd's "States", with litmus7's histogram marks: `*>` the condition holds.
            out.append("States \(r.states.count)")
            let width = String(r.states.map(\.executions).max() ?? 0).count
            for st in r.states {
                let n = String(st.executions)
                let mark = st.condition == true ? "*>" : ":>"
                out += wrap(String(repeating: " ", count: width - n.count) + n + " " + mark + " "
                            + st.text, indent: width + 4)
            }
        }
        // The first violation's token, else the first witness's (scenario-format.md).
        let replayShown = r.replayToken ?? r.witnesses.first?.token
        if let token = replayShown {
            out += command("Replay:", r.file, token)
        }
        for w in r.witnesses where w.token != replayShown || r.replayToken != nil {
            let label = w.role == "witness" ? "Witness" : "Counterexample"
            out += command(label + ":", r.file, w.token)
        }
        if r.internalErrorExecutions > 0 {
            out.append("Internal error (a bug of the model, not of the kernel): "
                       + "\(r.internalErrorExecutions) of \(r.executions) executions")
            out += r.internalErrors.flatMap { wrap("  Internal error: " + $0, indent: 4) }
            if let token = r.internalErrorToken {
                out += command("Replay:", r.file, token)
            }
        }
        if let p = r.raceProfile {
            out += raceProfile(p, executions: p.executions)
        }
        for missed in r.crossCheckMissed {
            out += wrap("Explorer disagreement (a bug of mmsim, test fails): " + missed, indent: 4)
        }
        for kind in r.unexpectedViolations {
            out.append("Unexpected violation \(kind): no expect line names it (test fails)")
        }
        for e in r.expectations {
            let stop = r.stopReason ?? "budget"
            let verdict = r.setupError != nil ? "not judged (setup error)"
                : e.inconclusive ? "INCONCLUSIVE (exploration stopped: \(stop))"
                : e.holds ? "holds" : "FAILS (\(e.location))"
            out.append("\(e.line): \(verdict)")
        }
        if verbose && !r.log.isEmpty {
            out.append("Statements (sequential execution):")
            out += r.log.flatMap { wrap("  " + $0, indent: 14) }
        }
        if stats && !r.stats.isEmpty {
            out += wrap("Stats: " + r.stats.keys.sorted().map { "\($0) \(r.stats[$0]!)" }
                .joined(separator: ", "), indent: 7)
        }
        if !r.firstViolationDetails.isEmpty {
            out.append("First violating execution:")
            out += r.firstViolationDetails.flatMap { wrap("  " + $0, indent: 4) }
        }
        if !r.trace.isEmpty {
            if !verbose, r.replayToken != nil, let sketch = r.sketch {
                out += SketchText.render(sketch, title: SketchText.title(sketch,
                                         what: "Race sketch (first violation)"))
            } else {
                out.append(r.replayToken != nil ? "Trace (first violation):"
                                                : "Trace (first internal error):")
                out += tail(r.trace, verbose: verbose, limit: traceLines)
            }
        }
        for w in r.witnesses {
            let what = w.role == "witness" ? "Trace (witness: the condition holds"
                                           : "Trace (counterexample: the condition fails"
            let state = w.state.isEmpty ? "" : ", "
                + w.state.map { $0 + ";" }.joined(separator: " ")
            if w.token == r.replayToken {
                out += wrap(what + state + "): the violation's trace above", indent: 2)
                continue
            }
            if !verbose, let sketch = w.sketch {
                let label = w.role == "witness" ? "Witness sketch (the condition holds"
                                                : "Counterexample sketch (the condition fails"
                out += SketchText.render(sketch, title: SketchText.title(sketch,
                                         what: label + state + ")"))
                continue
            }
            out += wrap(what + state + "):", indent: 2)
            out += tail(w.trace, verbose: verbose, limit: traceLines)
        }
        // Whatever is still wider (a long test name or knob list, an expect line with a
        // long location) wraps rather than running past the 99th column.
        return out.flatMap { $0.count < 100 ? [$0] : wrap($0, indent: 4) }
            .joined(separator: "\n") + "\n"
    }

    /// A replay command line (`Replay: mmsim replay FILE --token T`), broken before
    /// `--token` with a shell continuation when it does not fit, so it still pastes into a
    /// shell.
    static func command(_ label: String, _ file: String, _ token: String) -> [String] {
        let line = "\(label) mmsim replay \(file) --token \(token)"
        if line.count < 100 { return [line] }
        return ["\(label) mmsim replay \(file) \\"] + ["    --token \(token)"]
    }

    /// A trace as the report prints it. With `verbose`, every line. Otherwise the
    /// threads' lines only (init and finally, set-up and teardown, are hidden unless they
    /// hold a violation's `!!` line), runs of the same steps repeated page after page
    /// collapsed to one with "× N", then the last `limit` lines; indented and wrapped.
    static func tail(_ trace: [String], verbose: Bool, limit: Int) -> [String] {
        let wrapped = { (lines: [String]) in lines.flatMap { wrap("  " + $0, indent: 16) } }
        if verbose { return wrapped(trace) }
        let kept = trace.filter {
            !($0.hasPrefix("init ") || $0.hasPrefix("finally ")) || $0.contains("!! ")
        }
        let (collapsed, folded) = collapseRepeats(kept)
        var out: [String] = []
        let shown = Array(collapsed.suffix(limit))
        var hidden: [String] = []
        if kept.count < trace.count { hidden.append("init/finally") }
        if folded > 0 { hidden.append("\(folded) repeated") }
        if shown.count < collapsed.count {
            hidden.append("\(collapsed.count - shown.count) earlier")
        }
        if !hidden.isEmpty {
            out.append("  (" + hidden.joined(separator: ", ")
                       + " lines not shown; --verbose shows all)")
        }
        return out + wrapped(shown)
    }

    /// Collapses a block of 1 to 16 lines repeated 3 or more times in a row, the numbers
    /// (pfns, indices, addresses) aside, into its first occurrence and a `× N` line.
    /// Returns the lines and how many were folded away.
    static func collapseRepeats(_ lines: [String]) -> ([String], Int) {
        let masked = lines.map { String($0.prefix(14)) + maskNumbers(String($0.dropFirst(14))) }
        var out: [String] = []
        var folded = 0
        var i = 0
        while i < lines.count {
            var best = (k: 0, reps: 1)
            for k in 1...16 where i + 2 * k <= lines.count {
                var reps = 1
                while i + (reps + 1) * k <= lines.count
                    && masked[(i + reps * k)..<(i + (reps + 1) * k)] == masked[i..<(i + k)] {
                    reps += 1
                }
                if reps >= 3 && reps * k > best.reps * best.k { best = (k, reps) }
            }
            if best.k == 0 {
                out.append(lines[i])
                i += 1
                continue
            }
            out += lines[i..<(i + best.k)]
            let head = String(lines[i].prefix(14))
            let what = best.k == 1 ? "the line above" : "the \(best.k) lines above"
            out.append(head + "× \(best.reps): \(what) again for \(best.reps - 1) more "
                       + "(other pages/entries)")
            folded += (best.reps - 1) * best.k
            i += best.reps * best.k
        }
        return (out, folded)
    }

    /// The line with every number (decimal or hex) replaced by `#`.
    static func maskNumbers(_ s: String) -> String { SketchBuilder.maskNumbers(s) }

    /// Renders a full replayed trace.
    public static func renderTrace(_ lines: [String]) -> String {
        lines.flatMap { wrap("  " + $0, indent: 16) }.joined(separator: "\n") + "\n"
    }

    /// What the trace notation means, printed once under reports that show a trace.
    public static let legend = """
        Legend: pte[3:510] = entry 510 of page-table page 3 (its slot in the model's table
          store; pgd/pud/pmd/pte is the table's level); ptl[3] = that table's split page-table
          lock; mm0 = the first process's mm; pfn = page frame number; P RW U A D PSE SPECIAL
          DEVMAP = entry bits; » = a statement starts; !! = a violation; × N = the same steps
          again for other pages. A sketch has one column per thread (T0, T1, dma0 ...), read
          top to bottom in execution order; it keeps the steps that happen before the one it
          explains (same thread, or a shared object one of the two writes); {ptl[3] irq-off}
          = locks held and interrupts off during the step, │ = the same still held;
          --verbose prints every step.

        """

    /// Whether `render(r)` shows a trace (so the legend is worth printing).
    public static func showsTrace(_ r: TestReport) -> Bool {
        !r.trace.isEmpty || r.witnesses.contains { !$0.trace.isEmpty }
    }

    /// The closing summary line ("N passed, N failed", then ", N inconclusive" and
    /// ", N setup errors" when there are any).
    public static func summary(_ reports: [TestReport]) -> String {
        let passed = reports.filter(\.passed).count
        let inconclusive = reports.filter { $0.verdict == .inconclusive }.count
        let setup = reports.filter { $0.verdict == .setupError }.count
        var line = "\(passed) passed, \(reports.count - passed - inconclusive - setup) failed"
        if inconclusive > 0 { line += ", \(inconclusive) inconclusive" }
        if setup > 0 { line += ", \(setup) setup error\(setup == 1 ? "" : "s")" }
        return line + "\n"
    }

    /// `s` as lines under 100 columns: broken at spaces (mid-word only when a word is
    /// longer than a line), continuation lines indented by `indent` spaces. Nothing is
    /// cut off.
    public static func wrap(_ s: String, indent: Int, width: Int = 99) -> [String] {
        var rest = Substring(s)
        var out: [String] = []
        let pad = String(repeating: " ", count: indent)
        var first = true
        while true {
            let room = first ? width : width - indent
            if rest.count <= room {
                out.append(first ? String(rest) : pad + rest)
                return out
            }
            let limit = rest.index(rest.startIndex, offsetBy: room)
            var cut = rest[..<limit].lastIndex(of: " ") ?? limit
            // Do not break inside the leading padding (or keep breaking at nothing).
            if rest[..<cut].allSatisfy({ $0 == " " }) { cut = limit }
            let line = rest[..<cut]
            out.append(first ? String(line) : pad + line)
            rest = rest[cut...].drop(while: { $0 == " " })
            first = false
            if rest.isEmpty { return out }
        }
    }

    static func format2(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}

extension TextReport {
/// `check --profile`'s table: the ten largest rows, counts right-aligned.
static func raceProfile(_ p: RaceProfileReport, executions: Int) -> [String] {
    var out = wrap("Race profile: \(p.backtracks) backtrack points added by race analysis "
                   + "(\(executions) DPOR executions), by the objects the racing steps conflict "
                   + "on:", indent: 2)
    let shown = p.rows.prefix(10)
    let width = String(shown.map(\.backtracks).max() ?? 0).count
    for row in shown {
        let n = String(row.backtracks)
        out.append("  " + String(repeating: " ", count: width - n.count) + n + "  " + row.object)
    }
    if p.rows.count > shown.count { out.append("  (\(p.rows.count - shown.count) more in --json)") }
    if p.aheadTaken + p.aheadDropped > 0 {
        out += wrap("Explored ahead on free cores: \(p.aheadTaken) subtrees taken over "
                    + "(\(p.aheadExecutions) executions), \(p.aheadDropped) dropped as stale.",
                    indent: 2)
    }
    return out
}
}
