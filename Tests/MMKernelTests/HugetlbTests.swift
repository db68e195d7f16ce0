import MMExplore
import Testing
@testable import MMKernel

/// hugetlbfs files, hugetlb faults, PMD sharing and its unshare flush (reference §8.1).
@Suite struct HugetlbTests {
    /// A kernel with hugetlbfs at /huge, a 1G file, and two processes P (the machine's)
    /// and Q (task `q` on cpu1).
    struct Setup {
        let m: Machine
        let q: KTask
        let inode: InodeID

        init(_ era: Era, _ overrides: [(knob: Knob, on: Bool)] = []) async {
            m = await Machine(era, overrides)
            #expect(m.kernel.mountHugetlbfs(at: "/huge") == 0)
            #expect(m.kernel.createHugetlbFile(path: "/huge/f", size: PUD_SIZE) == 0)
            inode = m.kernel.inode(path: "/huge/f")!
            q = KTask.detached(name: "T1", cpu: 1, mm: nil)
            q.mm = await m.kernel.createProcess(q, name: "Q")!
        }

        /// A 1G-aligned shared (or private) mapping of the whole file in `t`'s process.
        func map(_ t: KTask, shared: Bool = true) async -> UInt64 {
            var req = MmapRequest(target: .file(inode: inode), length: PUD_SIZE)
            req.shared = shared
            req.placement = .aligned(PUD_SIZE)
            let r = await m.kernel.mmap(t, mm: t.mm!, req)
            precondition(r > 0, "mmap failed: \(r)")
            return UInt64(r)
        }
    }

    @Test func sizesAndOffsetsMustBeHugePageAligned() async {
        let s = await Setup(.v6_1)
        #expect(s.m.kernel.createHugetlbFile(path: "/huge/g", size: 4096) == -Errno.EINVAL)
        var req = MmapRequest(target: .file(inode: s.inode), length: PMD_SIZE)
        req.shared = true
        req.offset = 4096
        #expect(await s.m.kernel.mmap(s.m.task, mm: s.m.mm, req) == -Int64(Errno.EINVAL))
        req.offset = 0
        req.length = 4096  // rounded up to one huge page
        let a = await s.m.kernel.mmap(s.m.task, mm: s.m.mm, req)
        let v = s.m.kernel.mm(s.m.mm).vmas.first { $0.start == UInt64(a) }!
        #expect(v.length == PMD_SIZE && v.start % PMD_SIZE == 0)
        #expect(v.flags.mnemonics == "rd wr sh mr mw me ms de ht sd")
    }

    @Test func aSharedFaultMapsOneHugePageFromThePageCache() async throws {
        let s = await Setup(.v6_1)
        let a = await s.map(s.m.task)
        #expect(await s.m.kernel.store(s.m.task, a + 4096, 5) == nil)
        let o = s.m.observe(a)
        #expect(o.level == "pmd" && o.writable)
        // page cache + mapping; one compound mapping; hugetlb is not Rss.
        #expect(o.refcount == 2 && o.mapcount == 1)
        #expect(o.smaps.rss == 0 && o.smaps.privateHugetlb == 2048 && o.smaps.sharedHugetlb == 0)
        // Q maps the same page without sharing a table (MAP_PRIVATE): mapcount 2 →
        // Shared_Hugetlb.
        let b = await s.map(s.q, shared: false)
        #expect(try await s.m.kernel.load(s.q, b + 4096).get() == 5)
        #expect(s.m.kernel.observe(mm: s.q.mm!, b).smaps.sharedHugetlb == 2048)
        #expect(s.m.kernel.pmdTablePfn(mm: s.q.mm!, b) != s.m.kernel.pmdTablePfn(mm: s.m.mm, a))
    }

    @Test func aPrivateWriteCopiesTheHugePage() async throws {
        let s = await Setup(.v6_1)
        let a = await s.map(s.m.task)
        #expect(await s.m.kernel.store(s.m.task, a, 1) == nil)
        let b = await s.map(s.q, shared: false)
        #expect(try await s.m.kernel.load(s.q, b).get() == 1)
        let cached = s.m.kernel.observe(mm: s.q.mm!, b).pagemap.pfn
        #expect(await s.m.kernel.store(s.q, b, 2) == nil)  // hugetlb_wp
        let o = s.m.kernel.observe(mm: s.q.mm!, b)
        #expect(o.pagemap.pfn != cached && o.writable && !o.pagemap.file)
        #expect(try await s.m.kernel.load(s.m.task, a).get() == 1)
        #expect(try await s.m.kernel.load(s.q, b).get() == 2)
    }

    @Test(arguments: [Era.v5_10, .v6_1])
    func twoSharedMappingsShareOnePmdTable(era: Era) async throws {
        let s = await Setup(era)
        let a = await s.map(s.m.task)
        #expect(await s.m.kernel.store(s.m.task, a + PMD_SIZE, 7) == nil)
        let b = await s.map(s.q)
        #expect(try await s.m.kernel.load(s.q, b + PMD_SIZE).get() == 7)
        let table = s.m.kernel.pmdTablePfn(mm: s.m.mm, a)
        #expect(table != Pfn(0) && s.m.kernel.pmdTablePfn(mm: s.q.mm!, b) == table)
        #expect(s.m.kernel.hugetlb.shares == 1)
        let slot = TableSlot(Int(s.m.kernel.page(table).index))
        #expect(s.m.kernel.pmdShareCount(slot: slot) == 1)
        // Page-refcount eras count the share on the table page itself.
        #expect(s.m.kernel.page(table).refcount == (era == .v5_10 ? 2 : 1))
        // munmap in P unshares: P's PUD is cleared, Q keeps the table and the page.
        #expect(await s.m.kernel.munmap(s.m.task, mm: s.m.mm, a, PUD_SIZE) == 0)
        #expect(s.m.kernel.hugetlb.unshares == 1)
        #expect(s.m.kernel.pmdShareCount(slot: slot) == 0)
        #expect(try await s.m.kernel.load(s.q, b + PMD_SIZE).get() == 7)
        #expect(s.m.kernel.violations.isEmpty)
    }

    @Test(arguments: [false, true])
    func unshareFlushesThePudRangeUnlessNarrowed(narrow: Bool) async throws {
        let s = await Setup(.v6_1, [(.hugetlbUnshareNarrowFlush, narrow)])
        let a = await s.map(s.m.task)
        #expect(await s.m.kernel.store(s.m.task, a + PMD_SIZE, 7) == nil)  // cpu0 caches a+2M
        let b = await s.map(s.q)
        #expect(try await s.m.kernel.load(s.q, b + PMD_SIZE).get() == 7)
        #expect(s.m.kernel.tlb.lookup(cpu: 0, mm: s.m.mm, a + PMD_SIZE) != nil)
        let other = KTask.detached(name: "T2", cpu: 2, mm: s.m.mm)
        #expect(await s.m.kernel.munmap(other, mm: s.m.mm, a, PUD_SIZE) == 0)
        // Full flush: cpu0's entry for a+2M is gone. Narrowed: it survives the unshare.
        #expect((s.m.kernel.tlb.lookup(cpu: 0, mm: s.m.mm, a + PMD_SIZE) != nil) == narrow)
        #expect(await s.m.kernel.truncate(s.q, inode: s.inode, size: 0) == 0)
        let r = await s.m.kernel.userAccess(s.m.task, a + PMD_SIZE, write: false)
        if narrow {
            #expect(s.m.kernel.violations.contains { $0.kind == .staleTLB })
        } else {
            #expect(r == .signal(.sigsegv))
            #expect(s.m.kernel.violations.isEmpty)
        }
    }

    /// "hugetlbfs: flush TLBs correctly after huge_pmd_unshare" (v5.16): munmap of 2M of a
    /// 1G shared range unshares the table; the flush covers the whole PUD range from v5.16
    /// (hugetlb_unshare_pud_flush), nothing of it before.
    @Test(arguments: [Era.v5_10, .v6_1])
    func unshareOfAPartialMunmapFlushesThePudRange(era: Era) async throws {
        let s = await Setup(era)
        let a = await s.map(s.m.task)
        #expect(await s.m.kernel.store(s.m.task, a + PMD_SIZE, 7) == nil)  // cpu0 caches a+2M
        let b = await s.map(s.q)
        #expect(try await s.m.kernel.load(s.q, b + PMD_SIZE).get() == 7)
        let other = KTask.detached(name: "T2", cpu: 2, mm: s.m.mm)
        #expect(await s.m.kernel.munmap(other, mm: s.m.mm, a + 2 * PMD_SIZE, PMD_SIZE) == 0)
        #expect(s.m.kernel.walkSnapshot(mm: s.m.mm, a + PMD_SIZE).entry == 0)  // PUD cleared
        let survives = s.m.kernel.tlb.lookup(cpu: 0, mm: s.m.mm, a + PMD_SIZE) != nil
        #expect(survives == (era < .v6_1))
        #expect(KernelConfig(era: era).has(.hugetlbUnsharePudFlush) == (era >= .v6_1))
        #expect(Knob.hugetlbUnsharePudFlush.info.source.contains("flush TLBs correctly after "
                                                                 + "huge_pmd_unshare"))
    }

    /// mprotect of part of a shared range unshares our table (hugetlb_change_protection)
    /// instead of write-protecting the entry the other process shares.
    @Test func mprotectUnsharesInsteadOfChangingTheSharedTable() async throws {
        let s = await Setup(.v6_1)
        let a = await s.map(s.m.task)
        #expect(await s.m.kernel.store(s.m.task, a + PMD_SIZE, 7) == nil)
        let b = await s.map(s.q)
        #expect(try await s.m.kernel.load(s.q, b + PMD_SIZE).get() == 7)
        #expect(await s.m.kernel.mprotect(s.m.task, mm: s.m.mm, a + PMD_SIZE, PMD_SIZE,
                                          read: true, write: false, exec: false) == 0)
        let qEntry = s.m.kernel.walkSnapshot(mm: s.q.mm!, b + PMD_SIZE).entry
        #expect(s.m.kernel.layout.isWrite(qEntry))
        #expect(s.m.kernel.walkSnapshot(mm: s.m.mm, a + PMD_SIZE).entry == 0)
        #expect(s.m.kernel.tlb.lookup(cpu: 0, mm: s.m.mm, a + PMD_SIZE) == nil)
        #expect(s.m.kernel.violations.isEmpty)
    }

    @Test func truncateFreesTheHugePagesAndExitLeavesNoLeak() async throws {
        let s = await Setup(.v6_1)
        let a = await s.map(s.m.task)
        #expect(await s.m.kernel.store(s.m.task, a, 1) == nil)
        let pfn = s.m.observe(a).pagemap.pfn
        #expect(await s.m.kernel.truncate(s.m.task, inode: s.inode, size: 0) == 0)
        #expect(s.m.kernel.page(pfn).flags.contains(.free))
        #expect(await s.m.kernel.userAccess(s.m.task, a, write: false) == .signal(.sigbus))
        await s.m.kernel.exitMMap(s.m.task, mm: s.m.mm)
        await s.m.kernel.exitMMap(s.q, mm: s.q.mm!)
        s.m.kernel.auditReferences()
        #expect(s.m.kernel.violations.isEmpty)
    }

    @Test func knobsAndErasNameTheirSources() async {
        // Knob documentation names the RFC and Kirill's objection; default off everywhere.
        for era in Era.allCases { #expect(!Knob.fsdaxPmdShare.defaultValue(in: era)) }
        #expect(Knob.fsdaxPmdShare.info.source.contains("Larry Bassel"))
        #expect(Knob.hugetlbUnshareNarrowFlush.info.source.contains("dff11abe280b"))
        #expect(Era.v5_2.hugetlbFaultLocking == .shareTakesIMmapWrite)
        #expect(Era.v6_1.hugetlbFaultLocking == .vmaLock)
    }
}
