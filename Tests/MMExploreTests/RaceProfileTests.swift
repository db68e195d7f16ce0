import MMExplore
import Testing

/// `ExploreOptions.profile`: the backtrack points DPOR's race analysis adds, by the objects
/// the racing steps conflict on. The first nodes of the tree, down to the first execution's
/// fourth race, explore every thread anyway (Parallel.swift's cut), so the programs race
/// more often than that.
struct RaceProfileTests {
    /// T0 and T1 each write an object of their own (no race), then object 0 six times:
    /// every added backtrack point is object 0's, none is 1's or 2's.
    @Test func countsOnlyTheObjectsThatRace() {
        let make = program([
            { t, c in
                await t.step(obj(1), .write)
                for _ in 0..<6 { await t.step(obj(0), .write); c.v[0] = c.v[0] * 2 + 1 }
            },
            { t, c in
                await t.step(obj(2), .write)
                for _ in 0..<6 { await t.step(obj(0), .write); c.v[0] = c.v[0] * 2 }
            },
        ]) { c, _ in c.v[0] }
        var options = ExploreOptions(strategy: .dpor)
        options.profile = true
        let r = explore(options, testHash: 0, isInteresting: { _ in false }, make: make)
        #expect(r.executions == 924)  // C(12, 6): every order of the twelve writes
        let p = try! #require(r.profile)
        #expect(p.backtracks > 0)
        #expect(p.objects == [obj(0): p.backtracks])
        #expect(p.waitQueues.isEmpty)
        #expect(p.executions == r.executions)  // every execution was DPOR's
        // Without the option there is no profile.
        #expect(explore(ExploreOptions(strategy: .dpor), testHash: 0,
                        isInteresting: { _ in false }, make: make).profile == nil)
    }

    /// Critical sections under one lock (object 100, block/wake on it when taken): every
    /// backtrack point comes from the lock word, and grouping names it first.
    @Test func lockRacesAreTheLocksObject() {
        let make = program([
            { t, c in
                await t.step(obj(1), .write)
                for _ in 0..<3 {
                    await lock(t, c, 0); c.v[1] = c.v[1] * 2 + 1; await unlock(t, c, 0)
                }
            },
            { t, c in
                await t.step(obj(2), .write)
                for _ in 0..<3 { await lock(t, c, 0); c.v[1] = c.v[1] * 2; await unlock(t, c, 0) }
            },
        ]) { c, _ in c.v[1] }
        var options = ExploreOptions(strategy: .dpor)
        options.profile = true
        let r = explore(options, testHash: 0, isInteresting: { _ in false }, make: make)
        #expect(outcomeSet(r).count == 20)  // C(6, 3) orders of the critical sections
        let p = try! #require(r.profile)
        #expect(p.backtracks > 0)
        #expect(Array(p.objects.keys) == [obj(100)])
        let rows = p.grouped { $0 == obj(100) ? "lock" : "other" }
        #expect(rows.first?.group == "lock")
    }
}
