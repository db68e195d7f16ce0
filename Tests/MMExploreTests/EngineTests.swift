// The execution engine: sequential runs, blocking, deadlock, spawn, phases, and
// driving it from sync, async and several OS threads.
import Foundation
import MMExplore
import Testing

struct EngineTests {
    @Test func sequentialRunsThreadsInOrder() {
        let r = run(.sequential, program([
            { t, c in
                for _ in 0..<3 {
                    await t.step(obj(0), .write)
                    c.regs["order", default: 0] = c.regs["order", default: 0] * 10 + 1
                }
            },
            { t, c in
                for _ in 0..<3 {
                    await t.step(obj(0), .write)
                    c.regs["order", default: 0] = c.regs["order", default: 0] * 10 + 2
                }
            },
        ]) { c, _ in c.regs["order", default: 0] })
        #expect(r.executions == 1)
        #expect(r.complete)
        #expect(r.outcomes.map(\.outcome) == [111222])
        #expect(r.totalSteps == 6)
    }

    @Test func prologueAndEpilogueRunAlone() {
        let r = run(.naive, program(
            [{ t, c in await increment(t, c, 0) }, { t, c in await increment(t, c, 0) }],
            prologue: { t, c in
                await t.step(obj(0), .write); c.v[0] = 10; await t.step(obj(1), .write)
            },
            epilogue: { t, c in await t.step(obj(0), .read); c.v[1] = c.v[0] * 2 }
        ) { c, _ in c.v[1] })
        #expect(outcomeSet(r) == [22, 24])
        // Prologue and epilogue points are never choices: 6 interleavings of 2+2 steps.
        #expect(r.executions == 6)
    }

    @Test func lockBuiltOnBlockAndWakeIsMutualExclusion() {
        let make = program([
            { t, c in await lock(t, c, 0); await increment(t, c, 0); await unlock(t, c, 0) },
            { t, c in await lock(t, c, 0); await increment(t, c, 0); await unlock(t, c, 0) },
        ]) { c, end in "\(c.v[0]) \(end.deadlocked)" }
        let naive = run(.naive, make)
        let dpor = run(.dpor, make)
        #expect(outcomeSet(naive) == ["2 false"])
        #expect(outcomeSet(dpor) == ["2 false"])
        #expect(dpor.executions <= naive.executions)
    }

    @Test func deadlockEndsTheExecution() {
        let make = program([
            { t, c in
                await lock(t, c, 0); await lock(t, c, 1)
                await unlock(t, c, 1); await unlock(t, c, 0)
            },
            { t, c in
                await lock(t, c, 1); await lock(t, c, 0)
                await unlock(t, c, 0); await unlock(t, c, 1)
            },
        ], epilogue: { _, c in c.v[7] = 1 }) { c, end in
            "\(end.deadlocked) \(end.blocked) \(c.v[7])"
        }
        let naive = run(.naive, make)
        let dpor = run(.dpor, make)
        #expect(outcomeSet(naive) == ["false [] 1", "true [\"T0\", \"T1\"] 0"])
        #expect(outcomeSet(dpor) == outcomeSet(naive))
    }

    @Test func blockingInPrologueIsDeadlock() {
        let r = run(.sequential, program(
            [{ t, c in c.v[0] = 1 }], prologue: { t, _ in await t.block(on: obj(5)) }
        ) { c, end in
            "\(end.deadlocked) \(end.blocked) \(c.v[0])"
        })
        #expect(r.outcomes.map(\.outcome) == ["true [\"init\"] 0"])
    }

    @Test func threadsWithoutSchedulingPoints() {
        let r = run(.dpor,
                    program([{ _, c in c.v[0] += 1 }, { _, c in c.v[0] += 1 },
                             { _, _ in }]) { c, _ in c.v[0] })
        #expect(r.executions == 1)
        #expect(outcomeSet(r) == [2])
    }

    @Test func spawnedAgentGetsNextIndexAndRuns() {
        let make = program([
            { t, c in
                await t.step(obj(0), .write)
                c.v[0] = 1
                t.spawn("dma") { a in
                    c.regs["agentIndex"] = a.index
                    await a.step()
                    a.record(obj(1), .write)
                    a.record(obj(0), .read)
                    c.v[1] = c.v[0] + 10
                }
                await t.step(obj(0), .write)
                c.v[0] = 2
            },
            { t, c in await t.step(obj(1), .read); c.regs["seen"] = c.v[1] },
        ]) { c, _ in "\(c.regs["agentIndex"]!) \(c.v[1]) \(c.regs["seen"]!)" }
        let naive = run(.naive, make)
        let dpor = run(.dpor, make)
        #expect(outcomeSet(naive) == ["2 11 0", "2 11 11", "2 12 0", "2 12 12"])
        #expect(outcomeSet(dpor) == outcomeSet(naive))
        #expect(dpor.executions == 4)
    }

    /// A model that spawns more agents than an execution holds: the first execution that
    /// does is counted (the runner reports its internal error) and the exploration stops
    /// there, "thread-limit", instead of repeating it in every later execution.
    @Test func threadLimitStopsTheExploration() {
        let make = program([
            { t, c in
                await t.step(obj(0), .write)
                c.v[0] = 1
                for i in 0..<maxExecutionThreads { t.spawn("agent\(i)") { a in await a.step() } }
            },
            { t, c in await t.step(obj(0), .write); c.v[0] = 2 },
        ]) { c, end in "\(c.v[0]) \(end.stopped?.isBudget == false)" }
        let naive = run(.naive, make)
        #expect(naive.executions == 1)
        #expect(!naive.complete)
        #expect(naive.stopReason == "thread-limit")
        #expect(outcomeSet(naive).allSatisfy { $0.hasSuffix("true") })
    }

    @Test func detachedHandleRunsStepsImmediately() async {
        let t = ExecThread.detached()
        var x = 0
        await t.step(obj(0), .write)
        x += 1
        #expect(x == 1)
    }

    @Test func worksFromAsyncContext() async {
        let r = run(.dpor,
                    program([{ t, c in await increment(t, c, 0) },
                             { t, c in await increment(t, c, 0) }]) { c, _ in c.v[0] })
        #expect(outcomeSet(r) == [1, 2])
        await Task.yield()
        let r2 = run(.naive,
                     program([{ t, c in await increment(t, c, 0) },
                              { t, c in await increment(t, c, 0) }]) { c, _ in c.v[0] })
        #expect(r2.executions == 6)
    }

    // Model closures must be nonisolated; written inside a @MainActor function they
    // would be main-actor isolated, so this test builds them in a nonisolated helper.
    @Test @MainActor func worksFromMainActorTest() {
        let r = run(.dpor, incrementRace(threads: 2))
        #expect(outcomeSet(r) == [1, 2])
    }

    @Test func worksFromSeveralOSThreadsAtOnce() {
        let lock = NSLock()
        /// Results collected under `lock` from several OS threads.
        final class Results: @unchecked Sendable { var values: [Int] = [] }
        let results = Results()
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread {
                let r = run(.naive, program([{ t, c in await increment(t, c, 0) },
                                             { t, c in await increment(t, c, 0) },
                                             { t, c in await increment(t, c, 0) }]) { c, _ in
                    c.v[0]
                })
                lock.lock()
                results.values.append(r.executions)
                lock.unlock()
                group.leave()
            }.start()
        }
        group.wait()
        #expect(results.values == [90, 90, 90, 90])
    }

    @Test func notesAreCollectedOnlyWhenTracing() {
        let make = program([
            { t, c in await t.step(obj(0), .write); t.note("T0 writes"); c.v[0] = 1 },
            { t, c in await t.step(obj(0), .write); t.note("T1 writes"); c.v[0] = 2 },
        ]) { c, _ in c.v[0] }
        let (outcome, end, trace) = replay(Schedule(choices: [1]), make: make)
        #expect(outcome == 1)
        #expect(!end.deadlocked)
        #expect(trace.map(\.threadName) == ["T1", "T0"])
        #expect(trace.map(\.notes) == [["T1 writes"], ["T0 writes"]])
    }
}

/// `threads` threads each incrementing cell 0 non-atomically; outcome: the final value.
func incrementRace(threads: Int) -> () -> Made<Int> {
    program(Array(repeating: { t, c in await increment(t, c, 0) }, count: threads)) { c, _ in
        c.v[0]
    }
}
