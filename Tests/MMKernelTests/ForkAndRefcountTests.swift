import Testing
@testable import MMKernel

/// fork/COW, madvise, mprotect and the reference checkers.
@Suite struct ForkAndRefcountTests {
    @Test func forkSharesThenCopiesOnWrite() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 8192)
        _ = await m.kernel.store(m.task, a, 11)
        let parentPfn = m.observe(a).pagemap.pfn
        let child = await m.kernel.fork(m.task, mm: m.mm)!
        #expect(m.kernel.observe(mm: child, a).pagemap.pfn == parentPfn)
        #expect(!m.observe(a).writable)
        #expect(m.kernel.page(parentPfn).refcount == 2 && m.kernel.page(parentPfn).mapcount == 2)
        let ct = KTask.detached(name: "C", mm: child)
        #expect(await m.kernel.store(ct, a, 22) == nil)
        #expect(m.kernel.observe(mm: child, a).pagemap.pfn != parentPfn)
        #expect((try? await m.kernel.load(m.task, a).get()) == 11)
        #expect((try? await m.kernel.load(ct, a).get()) == 22)
        // The parent's page is exclusive again: its write reuses it.
        #expect(await m.kernel.store(m.task, a, 33) == nil)
        #expect(m.observe(a).pagemap.pfn == parentPfn)
        await m.kernel.exitMMap(ct, mm: child)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    @Test func forkOfTHPSharesThePmd() async {
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 2 << 20, at: alignedBase)
        _ = await m.kernel.touch(m.task, a, 4096, write: true)
        let child = await m.kernel.fork(m.task, mm: m.mm)!
        #expect(m.kernel.observe(mm: child, a).level == "pmd")
        #expect(m.kernel.observe(mm: child, a).smaps.anonHugePages == 2048)
        let ct = KTask.detached(name: "C", mm: child)
        // 6.1: a write to a shared THP splits it and COWs one 4K page.
        #expect(await m.kernel.store(ct, a, 1) == nil)
        #expect(m.kernel.observe(mm: child, a).level == "pte")
        await m.kernel.exitMMap(ct, mm: child)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    @Test func dontneedDropsPagesAndRefaultsZero() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 16384)
        _ = await m.kernel.store(m.task, a, 5)
        #expect(await m.kernel.madvise(m.task, mm: m.mm, a, 16384, .dontneed) == 0)
        #expect(m.observe(a).level == "none")
        #expect((try? await m.kernel.load(m.task, a).get()) == 0)
    }

    @Test func madviseHugepageSplitsVmaAndSetsHg() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 4 << 20, at: alignedBase)
        #expect(await m.kernel.madvise(m.task, mm: m.mm, a, 2 << 20, .hugepage) == 0)
        #expect(m.observe(a).smaps.vmFlags == "rd wr mr mw me ac sd hg")
        #expect(m.observe(a + (2 << 20)).smaps.vmFlags == "rd wr mr mw me ac sd")
        _ = await m.kernel.touch(m.task, a, 4 << 20, write: true)
        #expect(m.observe(a).level == "pmd")
        #expect(m.observe(a + (2 << 20)).level == "pte")
    }

    @Test func mprotectNoneThenAccessIsSIGSEGV() async {
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 8192)
        _ = await m.kernel.store(m.task, a, 1)
        #expect(await m.kernel.mprotect(m.task, mm: m.mm, a, 8192, read: false, write: false,
                                        exec: false) == 0)
        #expect(await m.kernel.store(m.task, a, 2) == .sigsegv)
        #expect(await m.kernel.mprotect(m.task, mm: m.mm, a, 8192, read: true, write: true,
                                        exec: false) == 0)
        #expect((try? await m.kernel.load(m.task, a).get()) == 1)
    }

    @Test func putOnFreePageIsUnderflow() async {
        let m = await Machine(.v6_1)
        let pfn = await m.kernel.allocPages(m.task)!
        await m.kernel.putPage(m.task, pfn)
        await m.kernel.putPage(m.task, pfn)
        #expect(m.kernel.violations.map(\.kind) == [.refcountUnderflow])
    }

    @Test func freeingAMappedPageIsFreedWhileMapped() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 4096)
        _ = await m.kernel.store(m.task, a, 1)
        let pfn = m.observe(a).pagemap.pfn
        await m.kernel.putPage(m.task, pfn)  // a stray put: the mapping's ref is gone
        #expect(m.kernel.violations.map(\.kind) == [.freedWhileMapped])
    }

    @Test func unreleasedReferenceIsLeak() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 4096)
        _ = await m.kernel.store(m.task, a, 1)
        await m.kernel.getPage(m.task, m.observe(a).pagemap.pfn)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.map(\.kind) == [.refcountLeak])
    }

    @Test func freedFramesAreReusedMostRecentFirst() async {
        let m = await Machine(.v6_1)
        let p1 = await m.kernel.allocPages(m.task)!
        let p2 = await m.kernel.allocPages(m.task)!
        await m.kernel.putPage(m.task, p1)
        await m.kernel.putPage(m.task, p2)
        #expect(await m.kernel.allocPages(m.task) == p2)
        let fifo = await Machine(.v6_1, [(.allocLifo, false)])
        let q1 = await fifo.kernel.allocPages(fifo.task)!
        let q2 = await fifo.kernel.allocPages(fifo.task)!
        await fifo.kernel.putPage(fifo.task, q1)
        await fifo.kernel.putPage(fifo.task, q2)
        #expect(await fifo.kernel.allocPages(fifo.task) == q1)
    }

    @Test func anonThpAlignmentFollowsEra() async {
        for (era, aligned) in [(Era.v6_1, false), (.v6_12, true)] {
            let m = await Machine(era)
            _ = await m.map(.anon, 4096)  // shift the top-down cursor off a 2M boundary
            let a = await m.map(.anon, 4 << 20)
            #expect((a % PMD_SIZE == 0) == aligned, "\(era)")
        }
    }
}
