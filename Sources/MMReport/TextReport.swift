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
            out += wrap(setup)
            out.append("Setup failed: nothing after that statement ran; the test is not judged")
        }
        var exec = "Executions \(r.executions) (\(r.strategy)), \(seconds) s"
        if !r.complete { exec += "  [incomplete: \(r.stopReason ?? "budget")]" }
        out.append(exec)
        if !r.complete, let reason = r.stopReason, reason != "first-interesting" {
            let what = reason == "max-memory" ? "mmsim's resident memory passed --max-memory"
                : reason == "timeout" ? "--timeout passed" : "--max-executions reached"
            out.append("Stopped: \(what); \(r.executions) complete executions counted")
        }
        if let bound = r.pctBound { out.append("PCT bound: each run finds a given bug with p >= \(bound)") }
        for v in r.violations {
            out.append("Violation \(v.kind): \(v.executions) of \(r.executions) executions")
        }
        if let o = r.observation {
            out.append("Observation \(r.name) \(o.outcome) \(o.positive) \(o.negative)")
        }
        if let token = r.replayToken {
            out.append("Replay: mmsim replay \(r.file) --token \(token)")
        }
        if r.internalErrorExecutions > 0 {
            out.append("Internal error (a bug of the model, not of the kernel): "
                       + "\(r.internalErrorExecutions) of \(r.executions) executions")
            out += r.internalErrors.map { clip("  Internal error: " + $0) }
            if let token = r.internalErrorToken {
                out.append("Replay: mmsim replay \(r.file) --token \(token)")
            }
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
            out += r.log.map { clip("  " + $0) }
        }
        if stats && !r.stats.isEmpty {
            out.append("Stats: " + r.stats.keys.sorted().map { "\($0) \(r.stats[$0]!)" }
                .joined(separator: ", "))
        }
        if !r.firstViolationDetails.isEmpty {
            out.append("First violating execution:")
            out += r.firstViolationDetails.map { clip("  " + $0) }
        }
        if !r.trace.isEmpty {
            out.append(r.replayToken != nil ? "Trace (first violation):" : "Trace (first internal error):")
            let shown = verbose ? r.trace : Array(r.trace.suffix(traceLines))
            if shown.count < r.trace.count {
                out.append("  ... \(r.trace.count - shown.count) earlier lines (--verbose shows all)")
            }
            out += shown.map { clip("  " + $0) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Renders a full replayed trace.
    public static func renderTrace(_ lines: [String]) -> String {
        lines.map { clip("  " + $0) }.joined(separator: "\n") + "\n"
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

    /// `text` in lines under 100 columns, cut at spaces; continuation lines indented.
    static func wrap(_ text: String) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty && line.count + 1 + word.count > 97 {
                lines.append(line)
                line = "  " + word
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines.map(clip)
    }

    static func clip(_ s: String) -> String {
        s.count < 100 ? s : String(s.prefix(98)) + "…"
    }

    static func format2(_ x: Double) -> String {
        let hundredths = Int((x * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}
