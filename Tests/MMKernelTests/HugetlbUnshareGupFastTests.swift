import MMExplore
import Testing
@testable import MMKernel

/// huge_pmd_unshare vs gup-fast ("mm/hugetlb: fix huge_pmd_unshare() vs GUP-fast race",
/// Jann Horn, v6.16, CVE-2025-38085): once a process unshared a PMD table, the other
/// sharer owns it and may install unrelated entries; a gup-fast of the first process
/// still walking it must not read them. The explored race is the history pair
/// scenarios/history/v6.16-hugetlb-unshare-gup-fast-sync-{off,on}.litmus.
@Suite struct HugetlbUnshareGupFastTests {
    /// The checker: a walk in main's old table is fine while it maps the file's huge
    /// pages; after Q puts an anonymous THP there, reading it is `foreign-table-walk`.
    @Test func aTableGivenUpAndReusedByQIsForeign() async throws {
        let s = await HugetlbTests.Setup(.v6_1)
        let k = s.m.kernel
        let a = await s.map(s.m.task)
        #expect(await k.store(s.m.task, a + PMD_SIZE, 7) == nil)
        let b = await s.map(s.q)
        #expect(try await k.load(s.q, b + PMD_SIZE).get() == 7)  // Q shares main's table
        let ref = try #require(k.findEntry(mm: s.m.mm, a + PMD_SIZE, at: .pmd))
        let walker = KTask.detached(name: "T0", cpu: 0, mm: s.m.mm)
        func ours(_ e: UInt64) -> Bool { k.gupFastTableStillOurs(walker, mm: s.m.mm, ref, e) }
        #expect(ours(k.tables.read(ref.slot, ref.index)))
        let other = KTask.detached(name: "T2", cpu: 2, mm: s.m.mm)
        #expect(await k.munmap(other, mm: s.m.mm, a + 2 * PMD_SIZE, PMD_SIZE) == 0)  // unshare
        #expect(ours(k.tables.read(ref.slot, ref.index)))
        #expect(await k.munmap(s.q, mm: s.q.mm!, b + PMD_SIZE, PMD_SIZE) == 0)
        var req = MmapRequest(target: .anon, length: PMD_SIZE)
        req.placement = .at(b + PMD_SIZE)
        #expect(await k.mmap(s.q, mm: s.q.mm!, req) == Int64(b + PMD_SIZE))
        #expect(await k.store(s.q, b + PMD_SIZE, 5) == nil)
        let e = k.tables.read(ref.slot, ref.index)
        #expect(e != 0)  // Q's anonymous entry, in the table main walked
        #expect(!ours(e))
        #expect(k.violations.map(\.kind) == [.foreignTableWalk])
        // Q itself reads its own table: not foreign.
        let qRef = try #require(k.findEntry(mm: s.q.mm!, b + PMD_SIZE, at: .pmd))
        #expect(k.gupFastTableStillOurs(s.q, mm: s.q.mm!, qRef, e))
    }

    /// On from v6.1 (the eras read 6.1.192 and 6.12.117, past the 6.1.142 and 6.12.35
    /// backports); v5.10 is 5.10.223, older than the fix.
    @Test func defaultsFollowTheEras() {
        #expect(Era.allCases.first { Knob.hugetlbUnshareGupFastSync.defaultValue(in: $0) } == .v6_1)
        #expect(Era.allCases.filter { Knob.hugetlbUnshareGupFastSync.defaultValue(in: $0) }
                    == [.v6_1, .v6_12, .v7_2])
        #expect(Knob.hugetlbUnshareGupFastSync.info.source.contains("CVE-2025-38085"))
    }
}
