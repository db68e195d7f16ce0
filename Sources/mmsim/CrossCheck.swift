import MMExplore
import MMScenario

/// `check --cross-check K`: DPOR against a preemption-bounded enumeration of the same test.
///
/// Bounded search enumerates every schedule with at most K preemptions, without
/// reduction: a subset of all interleavings, so every violation kind and final state it
/// reaches must be among those a complete DPOR run reached. One that is not means DPOR's
/// reduction pruned a reachable outcome — a wrong "Never" — and the test fails with the
/// bounded run's witness. This is the check that caught a step whose footprint depends
/// on what it read (a TLB lookup that hits reads the frame, a miss does not).
enum CrossCheck {
    /// Runs `test` bounded to `preemptions` and records in `report` what DPOR missed.
    /// Tests whose DPOR run did not finish are left alone (their verdict already says
    /// inconclusive where it matters).
    static func apply(_ test: ScenarioRunner.Loaded, preemptions: Int, base: ExploreOptions,
                      to report: inout TestReport) {
        guard report.complete, report.setupError == nil, base.strategy == .dpor,
              base.preemptionBound == nil else { return }
        var o = base
        o.preemptionBound = preemptions
        o.progress = nil
        let bounded = ScenarioRunner.run(test, options: o)
        let kinds = Set(report.violations.map(\.kind))
        for v in bounded.violations where !kinds.contains(v.kind) {
            report.crossCheckMissed.append(
                "violation \(v.kind) reached within \(preemptions) preemptions "
                + "(\(v.executions) of \(bounded.executions) executions), not by \(report.strategy)"
                + (bounded.replayToken.map { "; replay token \($0)" } ?? ""))
        }
        let states = Set(report.states.map(\.values))
        for s in bounded.states where !states.contains(s.values) {
            report.crossCheckMissed.append(
                "final state [\(s.values.joined(separator: ", "))] reached within \(preemptions) "
                + "preemptions, not by \(report.strategy)")
        }
        report.judge()
    }
}
