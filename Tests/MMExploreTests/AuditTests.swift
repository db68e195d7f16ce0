import MMExplore
import Testing

/// The access log and its audit: footprints are what instrumented objects record, never
/// lose an access, and the audit reports accesses that no step owns or that went around
/// an object's accessor.
@Suite struct AuditTests {
    /// A tiny instrumented store: cells whose accessors record their access, plus one
    /// deliberately under-declared write (`sneakyWrite`) as a buggy model would have.
    final class Cells: StepAuditor {
        let log = AccessLog(audit: true)
        private var values: [Int]
        private var before: [Int] = []
        init(_ n: Int, preset: [Int: Int] = [:]) {
            values = Array(repeating: 0, count: n)
            for (i, v) in preset { values[i] = v }
            log.auditor = self
        }
        func get(_ i: Int) -> Int { log.read(obj(i)); return values[i] }
        func set(_ i: Int, _ v: Int) { log.write(obj(i)); values[i] = v }
        /// A put that tests the count: the caller that reaches zero frees (cell 7). With
        /// `honest` it is a write of the count; without, a commuting update unless it
        /// reaches zero, the footprint that made DPOR skip orders in the page refcount.
        func decAndTest(_ i: Int, honest: Bool) {
            let old = values[i]
            log.access(obj(i), honest || old <= 1 ? .write : .update)
            values[i] = old - 1
            if old == 1 { set(7, 1) }
        }
        /// A write that bypasses the accessor: the kind of access the audit must catch.
        func sneakyWrite(_ i: Int, _ v: Int) { values[i] = v }
        func baseline() { before = values }
        func check(_ footprint: Footprint) -> [String] {
            var out: [String] = []
            for i in values.indices where values[i] != before[i]
                && !footprint.covers(obj(i), .write) {
                out.append("cell \(i) changed without a recorded write")
            }
            before = values
            return out
        }
    }

    static func run(_ body: @escaping (Cells, ExecThread) async -> Void,
                    _ other: @escaping (Cells, ExecThread) async -> Void,
                    preset: [Int: Int] = [:]) -> [String] {
        var findings: [String] = []
        _ = explore(ExploreOptions(strategy: .dpor), testHash: 0,
                    isInteresting: { (_: Int) in false }) {
            let c = Cells(8, preset: preset)
            let plan = ExecutionPlan(threads: [("T0", { t in await body(c, t) }),
                                               ("T1", { t in await other(c, t) })], log: c.log)
            return (plan, { _ in findings += c.log.findings; return 0 })
        }
        return findings
    }

    @Test func accessesThroughAccessorsHaveNoFindings() {
        let f = Self.run({ c, t in await t.step(); c.set(0, c.get(1) + 1) },
                         { c, t in await t.step(); c.set(1, 5) })
        #expect(f.isEmpty)
    }

    @Test func underDeclaredWriteIsCaught() {
        let f = Self.run({ c, t in await t.step(); c.set(0, 1); c.sneakyWrite(2, 7) },
                         { c, t in await t.step(); _ = c.get(2) })
        #expect(f.contains { $0.contains("cell 2 changed without a recorded write") })
    }

    /// Two puts of a count of 2: the second one frees. Declared as a commuting update when
    /// it does not reach zero, the put explored second is kept asleep after the other put
    /// although it then becomes the freeing one: the sleep-set audit reports it.
    @Test func valueDependentUpdateIsCaught() {
        let put: (Bool) -> (Cells, ExecThread) async -> Void = { honest in
            { c, t in await t.step(); c.decAndTest(0, honest: honest) }
        }
        let dishonest = Self.run(put(false), put(false), preset: [0: 2])
        #expect(dishonest.contains { $0.contains("sleep set: thread") })
        let honest = Self.run(put(true), put(true), preset: [0: 2])
        #expect(honest.isEmpty, "\(honest)")
    }

    @Test func accessBeforeFirstSchedulingPointIsCaught() {
        let f = Self.run({ c, t in _ = c.get(3); await t.step(); c.set(0, 1) },
                         { c, t in await t.step(); c.set(3, 1) })
        #expect(f.contains { $0.contains("outside any step") })
    }

    @Test func footprintKeepsEveryAccess() {
        var fp = Footprint()
        for i in 0..<10 { fp.add(obj(i), .read) }
        fp.add(obj(7), .write)
        fp.add(obj(2), .read)
        #expect(fp.count == 10)
        #expect(fp.covers(obj(7), .write))
        #expect(!fp.covers(obj(8), .write))
        #expect(fp.conflicts(with: Footprint(obj(9), .write)))
    }

    /// A step that walks the same few objects again and again (a check over 512 file
    /// pages re-reading the vma tree and one PMD) keeps one entry per object however
    /// long its footprint grows, with each object's kinds joined; the lookup index does
    /// not take part in equality.
    @Test func largeFootprintKeepsOneEntryPerRepeatedObject() {
        var fp = Footprint()
        for i in 0..<4 { fp.add(obj(100 + i), .read) }
        for round in 0..<512 {
            fp.add(obj(1), .read)
            fp.add(obj(2), .read)
            fp.add(obj(200 + round), .read)
        }
        fp.add(obj(1), .write)
        #expect(fp.count == 4 + 2 + 512)
        #expect(fp.covers(obj(1), .write))
        #expect(!fp.covers(obj(2), .write))
        var entries = 0
        for i in 0..<fp.count where fp[i].object == obj(1) { entries += 1 }
        #expect(entries == 1)
        var same = Footprint()
        for i in 0..<fp.count { same.add(fp[i].object, fp[i].kind) }
        #expect(same == fp && same.hashValue == fp.hashValue)
        #expect(fp.sealed() == fp)
    }

    /// Two decrements of one object in a large footprint add up in one entry, so a
    /// sleeping put sees their sum, not two smaller ones.
    @Test func largeFootprintAddsUpDecrements() {
        var fp = Footprint()
        for i in 0..<30 { fp.add(obj(100 + i), .read) }
        fp.addDecrement(obj(1), amount: 1, room: 3)
        for i in 0..<30 { fp.add(obj(300 + i), .read) }
        fp.addDecrement(obj(1), amount: 2, room: 1)
        var found: [Access] = []
        for i in 0..<fp.count where fp[i].object == obj(1) { found.append(fp[i]) }
        #expect(found.count == 1)
        #expect(found.first?.kind == .decrement && found.first?.amount == 3)
        #expect(found.first?.room == 1)
    }

    /// A race through the ninth object a step touches: with at most four declared
    /// objects per step, DPOR used to miss it; recorded footprints keep it.
    @Test func raceThroughManyObjectStepIsFound() {
        final class Box { var v = -1 }
        let r = explore(ExploreOptions(strategy: .dpor), testHash: 0,
                        isInteresting: { (_: Int) in false }) {
            let c = Cells(10)
            let seen = Box()
            let plan = ExecutionPlan(threads: [
                ("T0", { t in await t.step(); for i in 0..<9 { c.set(i, 1) } }),
                ("T1", { t in await t.step(); seen.v = c.get(8) }),
            ], log: c.log)
            return (plan, { _ in seen.v })
        }
        #expect(r.complete)
        #expect(Set(r.outcomes.map(\.outcome)) == [0, 1])
    }
}
