// What the reports' witnesses and Ctrl-C rest on: a replayable first schedule per outcome,
// and an interrupt that stops an exploration keeping what it explored.
import MMExplore
import Foundation
import Testing

struct AnswerSupportTests {
    let racy = program([
        { t, c in await increment(t, c, 0); await increment(t, c, 1) },
        { t, c in await increment(t, c, 1); await increment(t, c, 0) },
        { t, c in await t.step(obj(0), .read); c.regs["r"] = c.v[0] },
    ]) { c, _ in "\(c.v[0]) \(c.v[1]) \(c.regs["r"]!)" }

    @Test(arguments: [1, 3]) func everyOutcomeHasAReplayableFirstSchedule(jobs: Int) {
        let r = run(.dpor, jobs: jobs, racy)
        #expect(r.firstSchedules.count == r.outcomes.count)
        for (i, o) in r.outcomes.enumerated() {
            #expect(replay(r.firstSchedules[i], make: racy).outcome == o.outcome)
        }
    }

    @Test func firstSchedulesSurviveACutParallelMerge() {
        let r = run(.dpor, jobs: 3, max: 7, racy)
        #expect(r.executions == 7)
        #expect(r.firstSchedules.count == r.outcomes.count)
        for (i, o) in r.outcomes.enumerated() {
            #expect(replay(r.firstSchedules[i], make: racy).outcome == o.outcome)
        }
    }

    @Test func interruptStopsAndKeepsWhatWasExplored() {
        final class Polls: @unchecked Sendable {
            let lock = NSLock()
            var n = 0
            func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
        }
        let polls = Polls()
        var options = ExploreOptions(strategy: .naive)
        // "Ctrl-C" pressed after 5 executions: the 6th budget check sees it.
        options.interruptRequested = { polls.next() > 5 }
        let r = explore(options, testHash: 0, isInteresting: { (_: Int) in false },
                        make: incrementRace(threads: 4))
        #expect(!r.complete)
        #expect(r.stopReason == "interrupted")
        #expect(r.executions == 5)
        #expect(r.outcomes.reduce(0) { $0 + $1.count } == 5)
    }
}
