// Replay tokens and replay.
import MMExplore
import Testing

struct ScheduleTests {
    @Test func tokenRoundTrips() {
        let cases: [[Int]] =
            [[], [0], [1, 1, 1, 0, 0, 2], Array(repeating: 3, count: 1000) + [0, 40, 40, 1295],
                              (0..<200).map { $0 % 7 }]
        for choices in cases {
            let token = Schedule(choices: choices).token(testHash: 0x5c1f_2a0b)
            #expect(token.hasPrefix("v1.5c1f2a0b."))
            let decoded = Schedule.decode(token)
            #expect(decoded?.schedule.choices == choices)
            #expect(decoded?.testHash == 0x5c1f_2a0b)
        }
        #expect(Schedule(choices: [1, 1, 1, 1, 0]).token(testHash: 1) == "v1.00000001.1C0")
    }

    @Test func malformedTokensDecodeToNil() {
        for bad in ["", "v1", "v2.00000000.", "v1.0000000.", "v1.0000000g.1", "v1.00000000.1.",
                    "v1.00000000.A",
                    "v1.00000000.1!", "v1.00000000._1", "v1.00000000.0ZZZZZZZZZZZZZZZZZZ",
                    "v1.+0000000.1",
                    "v1.00000000.é"] {
            #expect(Schedule.decode(bad) == nil, "\(bad)")
        }
    }

    @Test func replayOfExploredTokenGivesSameOutcome() {
        let make = program([
            { t, c in await increment(t, c, 0); await t.step(obj(1), .write); c.v[1] = c.v[0] },
            { t, c in await increment(t, c, 0) },
            { t, c in await t.step(obj(1), .read); c.regs["seen"] = c.v[1] },
        ]) { c, _ in "\(c.v[0]) \(c.v[1]) \(c.regs["seen"]!)" }
        let interesting: (String) -> Bool = { $0.hasPrefix("1 1 1") }
        for strategy in [Strategy.dpor, .naive, .random(seed: 3, runs: 200),
                         .pct(depth: 2, runs: 200, seed: 5)] {
            let r = run(strategy, interesting: interesting, make)
            let token = r.firstInterestingToken
            #expect(token != nil, "\(strategy)")
            guard let token, let (schedule, hash) = Schedule.decode(token) else { continue }
            #expect(hash == 0xABCD)
            let replayed = replayDetailed(schedule, make: make)
            #expect(replayed.outcome == r.firstInteresting?.outcome)
            #expect(replayed.followed)
        }
    }

    @Test func everyOutcomeReplaysFromItsSchedule() {
        let p = RandomProgram(seed: 7, threads: 3, steps: 3, objects: 2, agent: true)
        let make = p.make()
        let all = run(.dpor, make)
        #expect(all.outcomes.count > 3)
        for (target, _) in all.outcomes {
            let r = run(.dpor, stopAtFirst: true, interesting: { $0 == target }, make)
            guard let schedule = r.firstInteresting?.schedule else {
                Issue.record("no schedule for \(target)")
                continue
            }
            let token = schedule.token(testHash: 7)
            let replayed = replayDetailed(Schedule(token: token)!, make: make)
            #expect(replayed.outcome == target)
            #expect(replayed.followed)
        }
    }

    @Test func foreignScheduleIsReportedAsNotFollowed() {
        let make = incrementRace(threads: 2)
        #expect(!replayDetailed(Schedule(choices: [5, 5]), make: make).followed)
        #expect(!replayDetailed(Schedule(choices: Array(repeating: 0, count: 50)),
                                make: make).followed)
    }
}
