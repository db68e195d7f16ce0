// Speculative exploration with several jobs (MMExplore/Speculation.swift): later subtrees
// of DPOR's path explored ahead of time on another core must leave the report exactly as
// one job makes it.
import MMExplore
import Testing

struct SpeculationTests {
    /// Random programs deep enough for subtrees to be explored ahead of time: with 2 and
    /// 3 jobs the report is one job's (executions, outcomes and their order and counts,
    /// witnesses, redundant runs), and over the set some speculations were taken over and
    /// some dropped, so both paths ran.
    @Test func speculationLeavesTheReportAsOneJobMakesIt() {
        var total = SpeculationCount()
        for seed in UInt64(1)...30 {
            let make = RandomProgram(seed: seed, threads: 3, steps: 3, objects: 2,
                                     agent: seed % 3 == 0).make()
            let one = run(.dpor, jobs: 1, make)
            #expect(one.speculation == SpeculationCount())
            for jobs in [2, 3] {
                let many = run(.dpor, jobs: jobs, make)
                #expect(sameReport(one, many), "seed \(seed), \(jobs) jobs")
                #expect(one.redundant == many.redundant, "seed \(seed), \(jobs) jobs")
                #expect(one.firstSchedules == many.firstSchedules, "seed \(seed)")
                total.add(many.speculation)
            }
        }
        #expect(total.taken > 0 && total.executions > 0)
        #expect(total.dropped > 0)
    }

    /// The same with a lock (block and wake) and a budget of executions: a speculation's
    /// executions count towards it in exploration order.
    @Test func speculationKeepsBudgetsInExplorationOrder() {
        let make = program([
            { t, c in await lock(t, c, 0); await increment(t, c, 0); await unlock(t, c, 0) },
            { t, c in await increment(t, c, 1); await lock(t, c, 0); await unlock(t, c, 0) },
            { t, c in await increment(t, c, 1); await increment(t, c, 0) },
            { t, c in await increment(t, c, 0); await increment(t, c, 1) },
        ]) { c, _ in "\(c.v[0]) \(c.v[1])" }
        let one = run(.dpor, jobs: 1, make)
        let two = run(.dpor, jobs: 2, make)
        #expect(sameReport(one, two) && one.redundant == two.redundant)
        for max in [5, 50, one.executions / 2] {
            #expect(sameReport(run(.dpor, jobs: 1, max: max, make),
                               run(.dpor, jobs: 2, max: max, make)), "max \(max)")
        }
    }

    /// An execution over the explorer's thread limit (an internal error of the model)
    /// stops the exploration where one job stops it, also when a later subtree explored
    /// ahead of time meets it first: before, the speculation stopped every worker at
    /// once, in the middle of the subtree one job explores before it.
    @Test func threadLimitInALaterSubtreeStopsWhereOneJobStops() {
        let make = program([
            { t, c in
                await t.step(obj(20), .write)
                await t.step(obj(5), .read)
                guard c.v[5] == 1 else { return }
                for k in 0..<(maxExecutionThreads + 2) {
                    t.spawn("agent\(k)") { a in await a.step(obj(6), .read) }
                }
            },
            { t, c in
                await t.step(obj(21), .write)
                await t.step(obj(5), .write)
                c.v[5] = 1
            },
            { t, c in await increment(t, c, 0); await increment(t, c, 1) },
            { t, c in await increment(t, c, 1); await increment(t, c, 0) },
            { t, c in await increment(t, c, 0); await increment(t, c, 1) },
        ]) { c, _ in "\(c.v[0]) \(c.v[1]) \(c.v[5])" }
        let one = run(.dpor, jobs: 1, make)
        #expect(!one.complete && one.stopReason == "thread-limit", "\(one.stopReason ?? "-")")
        #expect(one.executions > 100)
        for _ in 0..<3 {
            let two = run(.dpor, jobs: 2, make)
            #expect(sameReport(one, two), "\(one.executions) vs \(two.executions)")
        }
    }
}
