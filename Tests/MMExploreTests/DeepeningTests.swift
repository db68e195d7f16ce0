// Issue 12 item 6: `--preemptions K` by iterative deepening, and a budget that stops it.
import MMExplore
import Testing

@Suite struct DeepeningTests {
    let racy = program([
        { t, c in await increment(t, c, 0); await increment(t, c, 1) },
        { t, c in await increment(t, c, 1); await increment(t, c, 0) },
        { t, c in await t.step(obj(0), .read); c.regs["r"] = c.v[0] },
    ]) { c, _ in "\(c.v[0]) \(c.v[1]) \(c.regs["r"]!)" }

    /// Rounds 0...K count each schedule once (the one with exactly b preemptions in round
    /// b): with a bound no schedule reaches, that is every schedule, as naive enumeration
    /// counts them; the report says up to which bound it is complete.
    @Test func deepeningCountsEveryScheduleOnce() {
        let naive = run(.naive, racy)
        let deep = run(.naive, bound: 40, racy)
        #expect(deep.complete && deep.completeUpToPreemptions == 40)
        #expect(deep.executions == naive.executions)
        #expect(Dictionary(uniqueKeysWithValues: deep.outcomes.map { ($0.outcome, $0.count) })
                == Dictionary(uniqueKeysWithValues: naive.outcomes.map { ($0.outcome, $0.count) }))
    }

    /// Bound 0 is the sequential orders only (one per thread order at each block-free
    /// point), fewer than bound 1, fewer than all; the same for any number of jobs.
    @Test func boundsGrowAndDoNotDependOnJobs() {
        let b0 = run(.dpor, bound: 0, racy)
        let b1 = run(.dpor, bound: 1, racy)
        #expect(b0.completeUpToPreemptions == 0 && b1.completeUpToPreemptions == 1)
        #expect(b0.executions < b1.executions && b1.executions < run(.naive, racy).executions)
        #expect(sameReport(b1, run(.dpor, jobs: 2, bound: 1, racy)))
        // The least-preempted execution of each outcome is found first.
        #expect(outcomeSet(b0).isSubset(of: outcomeSet(b1)))
    }

    /// A budget that stops deepening keeps every round it finished, and says which.
    @Test func budgetStopKeepsCompletedRounds() {
        let b0 = run(.dpor, bound: 0, racy)
        let cut = run(.dpor, bound: 3, max: b0.executions + 1, racy)
        #expect(!cut.complete && cut.stopReason == "max-executions")
        #expect(cut.completeUpToPreemptions == 0)
        #expect(outcomeSet(b0).isSubset(of: outcomeSet(cut)))
    }
}
