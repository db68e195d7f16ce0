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
        var exec = "Executions \(r.executions) (\(r.strategy)), \(seconds) s"
        if !r.complete { exec += "  [incomplete: \(r.stopReason ?? "budget")]" }
        out.append(exec)
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
        for e in r.expectations {
            out.append("\(e.line): \(e.holds ? "holds" : "FAILS (\(e.location))")")
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

    /// The closing summary line ("N passed, N failed").
    public static func summary(_ reports: [TestReport]) -> String {
        let passed = reports.filter(\.passed).count
        return "\(passed) passed, \(reports.count - passed) failed\n"
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
