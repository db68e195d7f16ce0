// Random, PCT, preemption bounding, budgets, parallel workers, progress.
import MMExplore
import Testing

/// Compares everything in two reports that must not depend on the number of jobs.
func sameReport<O: Hashable>(_ a: ExploreReport<O>, _ b: ExploreReport<O>) -> Bool {
    a.executions == b.executions && a.outcomes.map(\.outcome) == b.outcomes.map(\.outcome)
        && a.outcomes.map(\.count) == b.outcomes.map(\.count) && a.complete == b.complete
        && a.stopReason == b.stopReason && a.totalSteps == b.totalSteps
        && a.firstInteresting?.outcome == b.firstInteresting?.outcome
        && a.firstInteresting?.schedule == b.firstInteresting?.schedule
}

struct StrategyTests {
    let racy = program([
        { t, c in await increment(t, c, 0); await increment(t, c, 1) },
        { t, c in await increment(t, c, 1); await increment(t, c, 0) },
        { t, c in await t.step(obj(0), .read); c.regs["r"] = c.v[0] },
    ]) { c, _ in "\(c.v[0]) \(c.v[1]) \(c.regs["r"]!)" }

    @Test func randomIsDeterministicAndFindsOutcomes() {
        let a = run(.random(seed: 42, runs: 300), racy)
        let b = run(.random(seed: 42, runs: 300), racy)
        #expect(sameReport(a, b))
        #expect(a.executions == 300)
        #expect(outcomeSet(a).isSubset(of: outcomeSet(run(.dpor, racy))))
        #expect(outcomeSet(a).count > 3)
    }

    @Test func pctIsDeterministicAndReportsItsBound() {
        let a = run(.pct(depth: 3, runs: 200, seed: 9), racy)
        let b = run(.pct(depth: 3, runs: 200, seed: 9), racy)
        #expect(sameReport(a, b))
        #expect(a.executions == 200)
        // 3 threads, k = 4 + 4 + 1 steps: 1 / (3 * 9^2).
        #expect(a.pctBound == 1.0 / 243.0)
        #expect(outcomeSet(a).isSubset(of: outcomeSet(run(.dpor, racy))))
        #expect(outcomeSet(a).count > 2)
    }

    @Test func preemptionBoundLimitsSchedules() {
        // Two threads of 3 steps on one object: with 0 preemptions only the 2 serial
        // orders; the bound grows the set up to all 20 interleavings.
        let make = program([
            { t, c in
                for _ in 0..<3 {
                    await t.step(obj(0), .write)
                    c.regs["s", default: 0] = c.regs["s", default: 0] * 3 + 1
                }
            },
            { t, c in
                for _ in 0..<3 {
                    await t.step(obj(0), .write)
                    c.regs["s", default: 0] = c.regs["s", default: 0] * 3 + 2
                }
            },
        ]) { c, _ in c.regs["s"]! }
        #expect(run(.naive, bound: 0, make).executions == 2)
        #expect(run(.dpor, bound: 0, make).executions == 2)
        let one = run(.naive, bound: 1, make).executions
        #expect(one > 2 && one < 20)
        #expect(run(.naive, bound: 10, make).executions == 20)
        #expect(run(.dpor, make).executions == 20)
    }

    @Test func maxExecutionsStopsCleanly() {
        let r = run(.naive, max: 5, racy)
        #expect(r.executions == 5)
        #expect(!r.complete)
        #expect(r.stopReason == "max-executions")
        let all = run(.naive, racy)
        #expect(all.complete && all.stopReason == nil)
        #expect(run(.naive, max: all.executions, racy).complete)
    }

    @Test func timeoutStopsCleanly() {
        let r = explore(ExploreOptions(strategy: .naive, timeout: 0.2), testHash: 0,
                        isInteresting: { (_: Int) in false },
                        make: incrementRace(threads: 6))
        #expect(!r.complete)
        #expect(r.stopReason == "timeout")
        #expect(r.executions > 0)
    }

    @Test func stopAtFirstInteresting() {
        let all = run(.dpor, racy)
        let target = all.outcomes[all.outcomes.count / 2].outcome
        let r = run(.dpor, stopAtFirst: true, interesting: { $0 == target }, racy)
        #expect(r.firstInteresting?.outcome == target)
        #expect(!r.complete && r.stopReason == "first-interesting")
        #expect(r.outcomes.last?.outcome == target)
    }

    @Test(arguments: [Strategy.dpor, .naive, .random(seed: 1, runs: 500),
                      .pct(depth: 2, runs: 300, seed: 2)])
    func parallelReportEqualsSequential(strategy: Strategy) {
        let makes = [racy,
                     RandomProgram(seed: 11, threads: 3, steps: 3, objects: 2, agent: true).make(),
                     stringify(incrementRace(threads: 3))]
        for make in makes {
            let interesting: (String) -> Bool = { $0.hasSuffix("1") }
            let one = run(strategy, jobs: 1, interesting: interesting, make)
            for jobs in [2, 3] {
                #expect(sameReport(one, run(strategy, jobs: jobs, interesting: interesting, make)))
                #expect(sameReport(run(strategy, jobs: 1, max: 7, interesting: interesting, make),
                                   run(strategy, jobs: jobs, max: 7,
                                       interesting: interesting, make)))
                #expect(sameReport(run(strategy, jobs: 1, stopAtFirst: true,
                                       interesting: interesting, make),
                                   run(strategy, jobs: jobs, stopAtFirst: true,
                                       interesting: interesting, make)))
            }
        }
    }

    @Test func progressIsReported() {
        var calls: [ExploreProgress] = []
        for jobs in [1, 2] {
            calls = []
            let r = explore(ExploreOptions(strategy: .naive, timeout: 0.8, jobs: jobs,
                                           progress: { calls.append($0) }),
                            testHash: 0, isInteresting: { (_: Int) in false },
                            make: incrementRace(threads: 6))
            #expect(calls.count >= 1 && calls.count <= 5)
            #expect(calls.last!.executions <= r.executions)
        }
    }

    @Test func selfBenchmarkRuns() {
        let r = selfBenchmark(threads: 2, steps: 5, seconds: 0.1)
        #expect(r.executionsPerSecond > 0 && r.stepsPerSecond > r.executionsPerSecond)
    }
}

extension Strategy: CustomTestStringConvertible {
    public var testDescription: String { "\(self)" }
}

/// The same program with its outcome turned into a string.
func stringify<O>(_ make: @escaping () -> Made<O>) -> () -> Made<String> {
    return {
        let (plan, finish) = make()
        return (plan, { "\(finish($0))" })
    }
}
