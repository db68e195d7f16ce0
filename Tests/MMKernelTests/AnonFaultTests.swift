import Testing
@testable import MMKernel

/// Anonymous faults and their smaps/pagemap view, against what the Debian 6.1 kernel
/// printed (../shared/oracle/samples/results-6.1-e820-notrace.jsonl, target "anon").
@Suite struct AnonFaultTests {
    @Test func freshMappingHasNoRss() async {
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 4 << 20, at: alignedBase)
        let o = m.observe(a)
        #expect(o.level == "none")
        #expect(o.smaps.rss == 0)
        // oracle smaps:after_mmap VmFlags
        #expect(o.smaps.vmFlags == "rd wr mr mw me ac sd")
    }

    @Test func readTouchMapsHugeZeroPageWithoutRss() async {
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 4 << 20, at: alignedBase)
        #expect(await m.kernel.touch(m.task, a, 4 << 20, write: false) == nil)
        let o = m.observe(a)
        // oracle: pagemap present, pm_file set (huge zero page is not anon), Rss 0.
        #expect(o.level == "pmd")
        #expect(o.pagemap.present && o.pagemap.file)
        #expect(o.smaps.rss == 0 && o.smaps.anonHugePages == 0)
        #expect(!o.normal)
    }

    @Test func writeAfterReadSplitsHugeZeroIntoSmallPages() async {
        // oracle smaps:after_write_touch: Rss 4096, AnonHugePages 0 (6.1 splits the huge
        // zero PMD on a write: "thp: change CoW semantics for anon-THP").
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 4 << 20, at: alignedBase)
        _ = await m.kernel.touch(m.task, a, 4 << 20, write: false)
        #expect(await m.kernel.touch(m.task, a, 4 << 20, write: true) == nil)
        let o = m.observe(a)
        #expect(o.level == "pte")
        #expect(o.smaps.rss == 4096 && o.smaps.anonymous == 4096)
        #expect(o.smaps.anonHugePages == 0)
        #expect(!o.pagemap.file && o.pagemap.exclusive)
    }

    @Test func writeFirstAllocatesTHPs() async {
        // oracle smaps:write_first: Rss 4096, AnonHugePages 4096.
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 4 << 20, at: alignedBase)
        #expect(await m.kernel.touch(m.task, a, 4 << 20, write: true) == nil)
        let o = m.observe(a)
        #expect(o.level == "pmd" && o.normal)
        #expect(o.smaps.rss == 4096 && o.smaps.anonHugePages == 4096)
    }

    @Test func misalignedWriteGetsOneTHP() async {
        // oracle smaps:misaligned_after_write: 4 MiB at 2M+4K → one aligned 2M inside.
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 4 << 20, at: alignedBase + 4096)
        _ = await m.kernel.touch(m.task, a, 4 << 20, write: true)
        let o = m.observe(a)
        #expect(o.smaps.rss == 4096 && o.smaps.anonHugePages == 2048)
        #expect(o.level == "pte")
        #expect(m.observe(alignedBase + (2 << 20)).level == "pmd")
    }

    @Test func populateFaultsInTHPs() async {
        // oracle smaps:populate_fresh: MAP_POPULATE of private anon writes → THPs.
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 4 << 20, at: alignedBase, populate: true)
        let o = m.observe(a)
        #expect(o.smaps.rss == 4096 && o.smaps.anonHugePages == 4096)
    }

    @Test func thpOffGivesSmallPages() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 4 << 20, at: alignedBase)
        _ = await m.kernel.touch(m.task, a, 4 << 20, write: true)
        #expect(m.observe(a).smaps.anonHugePages == 0)
        #expect(m.observe(a).smaps.rss == 4096)
    }

    @Test func oldCowSemanticsAllocateTHPOnWriteToHugeZero() async {
        // v4.4: do_huge_pmd_wp_page allocated a THP for a write to the huge zero page.
        let m = await Machine(.v4_4)
        let a = await m.map(.anon, 2 << 20, at: alignedBase)
        _ = await m.kernel.touch(m.task, a, 2 << 20, write: false)
        _ = await m.kernel.touch(m.task, a, 4096, write: true)
        let o = m.observe(a)
        #expect(o.level == "pmd" && o.smaps.anonHugePages == 2048)
    }

    @Test func v7WriteToHugeZeroMapsAFreshTHP() async {
        // oracle 7.2 anon-huge-zero-read T0:4: pmd, Rss = AnonHugePages = 2048 after the
        // store (do_huge_zero_wp_pmd, v6.14); 6.12 splits and COWs one 4K page.
        for (era, level, rss) in [(Era.v7_2, "pmd", 2048), (.v6_12, "pte", 4)] {
            let m = await Machine(era)
            let a = await m.map(.anon, 2 << 20, at: alignedBase)
            _ = await m.kernel.touch(m.task, a, 2 << 20, write: false)
            #expect(await m.kernel.store(m.task, a + 4096, 7) == nil)
            let o = m.observe(a)
            #expect(o.level == level && o.smaps.rss == rss && o.smaps.anonymous == rss)
            #expect((try? await m.kernel.load(m.task, a + 4096).get()) == 7)
            #expect((try? await m.kernel.load(m.task, a + 8192).get()) == 0)
        }
    }

    @Test func readOfSmallAnonMapsZeroPageSpecial() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 64 << 10)
        let r = await m.kernel.load(m.task, a)
        #expect((try? r.get()) == 0)
        let o = m.observe(a)
        #expect(o.level == "pte" && o.special && !o.normal && !o.writable)
        #expect(o.pagemap.pfn == m.kernel.memory.zeroPfn && !o.pagemap.file)
    }

    @Test func storeThenLoadReadsBack() async {
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 64 << 10)
        #expect(await m.kernel.store(m.task, a + 8, 42) == nil)
        #expect((try? await m.kernel.load(m.task, a + 8).get()) == 42)
    }

    @Test func accessOutsideAnyVmaIsSIGSEGV() async {
        let m = await Machine(.v6_1)
        #expect(await m.kernel.store(m.task, 0x1000_0000, 1) == .sigsegv)
    }

    @Test func readOnlyMappingWriteIsSIGSEGV() async {
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 64 << 10, write: false)
        #expect(await m.kernel.store(m.task, a, 1) == .sigsegv)
        #expect(m.observe(a).smaps.vmFlags == "rd mr mw me sd")
    }

    @Test func munmapFreesEverythingWithoutLeak() async {
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 4 << 20, at: alignedBase + 4096)
        _ = await m.kernel.touch(m.task, a, 4 << 20, write: true)
        #expect(await m.kernel.munmap(m.task, mm: m.mm, a, 4 << 20) == 0)
        #expect(m.observe(a).level == "none")
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    /// anon_vma_prepare() (mm/rmap.c) only reads vma->anon_vma when the vma has one: a
    /// write fault there does not order against a lookup of another vma, so two threads
    /// doing so are one class. The first fault of a vma links its anon_vma, which a
    /// reader of vma->anon_vma (fork's vma_needs_copy) must see in both orders.
    @Test func anonVMAPrepareWritesOnlyTheFirstTime() {
        let base = ConcurrencyTests.base
        func setup(touched: Bool) -> (Kernel, KTask) async -> Void {
            { k, t in
                var req = MmapRequest(target: .anon, length: 8192)
                req.placement = .at(base)
                _ = await k.mmap(t, mm: t.mm!, req)
                var other = MmapRequest(target: .anon, length: 4096)
                other.placement = .at(base + 0x10_0000)
                _ = await k.mmap(t, mm: t.mm!, other)
                if touched { _ = await k.store(t, base, 1) }
            }
        }
        var sawLinks: Set<Bool> = []
        let threads: [(Kernel, KTask) async -> Void] = [
            { k, t in _ = await k.store(t, base + 4096, 2) },
            { k, t in
                await t.step()
                let mm = t.mm!
                if let i = k.mms[mm].vmaContaining(base + 0x10_0000) {
                    _ = k.mms[mm].vmas[i]
                }
                if let i = k.mms[mm].vmaContaining(base) {
                    sawLinks.insert(k.mms[mm].hasAnonVMA(k.mms[mm].vmas[i]))
                }
            },
        ]
        let linked = ConcurrencyTests.exploreAll(
            KernelConfig(era: .v6_1), cpus: [0, 1], setup: setup(touched: true),
            threads: threads, check: { _ in true })
        #expect(linked.executions == 1)
        #expect(sawLinks == [true])
        sawLinks = []
        let fresh = ConcurrencyTests.exploreAll(
            KernelConfig(era: .v6_1), cpus: [0, 1], setup: setup(touched: false),
            threads: threads, check: { _ in true })
        #expect(fresh.executions == 2)
        #expect(sawLinks == [false, true])
    }
}
