import MMExplore
import Testing
@testable import MMKernel

/// khugepaged and MADV_COLLAPSE (mm/khugepaged.c) and their races with gup-fast: the
/// refcount check of __collapse_huge_page_isolate, "mm: gup: fix the fast GUP race against
/// THP collapse" (v6.0) and "mm/khugepaged: fix GUP-fast interaction by sending IPI" (v6.2).
@Suite struct CollapseTests {
    /// A pinned page has page_count() above its mapcount: the collapse aborts with
    /// SCAN_PAGE_COUNT (-EAGAIN for MADV_COLLAPSE), the PTE table goes back, nothing is
    /// freed; after the unpin the collapse maps a THP holding the same data.
    @Test func collapseAbortsOnAPinnedPage() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 2 << 20, at: alignedBase)
        #expect(await m.kernel.store(m.task, a + 8, 77) == nil)
        let small = m.observe(a).pagemap.pfn
        var held = HeldPages()
        #expect(await m.kernel.getUserPages(m.task, mm: m.mm, a, 1, [.pin, .write],
                                            held: &held) == 1)
        #expect(await m.kernel.madvise(m.task, mm: m.mm, a, 2 << 20, .collapse) == -Errno.EAGAIN)
        #expect(m.observe(a).level == "pte")
        #expect(m.observe(a).pagemap.pfn == small)
        await m.kernel.releaseHeld(m.task, held, pinned: true)
        #expect(await m.kernel.madvise(m.task, mm: m.mm, a, 2 << 20, .collapse) == 0)
        let huge = m.observe(a)
        #expect(huge.level == "pmd")
        #expect(huge.smaps.anonHugePages == 2048)  // kB
        #expect(m.kernel.page(small).flags.contains(.free))
        #expect((try? await m.kernel.load(m.task, a + 8).get()) == 77)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    /// MADV_COLLAPSE exists from v6.1; khugepaged scans only vmas THP is enabled for
    /// (sysfs `always` or VM_HUGEPAGE), MADV_COLLAPSE ignores the sysfs setting.
    @Test func collapseEntryRules() async {
        let old = await Machine(.v5_10, [(.thpAlways, false)])
        let b = await old.map(.anon, 2 << 20, at: alignedBase)
        _ = await old.kernel.store(old.task, b, 1)
        let k = old.kernel
        #expect(await k.madvise(old.task, mm: old.mm, b, 2 << 20, .collapse) == -Errno.EINVAL)
        #expect(await k.khugepagedCollapse(old.task, mm: old.mm, b, 2 << 20) == -Errno.EINVAL)
        #expect(await old.kernel.madvise(old.task, mm: old.mm, b, 2 << 20, .hugepage) == 0)
        #expect(await old.kernel.khugepagedCollapse(old.task, mm: old.mm, b, 2 << 20) == 0)
        #expect(old.observe(b).level == "pmd")
        let new = await Machine(.v6_1, [(.thpAlways, false)])
        let c = await new.map(.anon, 2 << 20, at: alignedBase)
        _ = await new.kernel.store(new.task, c, 1)
        #expect(await new.kernel.madvise(new.task, mm: new.mm, c, 2 << 20, .collapse) == 0)
        #expect(new.observe(c).level == "pmd")
    }

    /// P's 2M range with one small page, khugepaged may scan it (VM_HUGEPAGE).
    static func onePage(_ k: Kernel, _ t: KTask) async {
        var req = MmapRequest(target: .anon, length: 2 << 20)
        req.placement = .at(alignedBase)
        _ = await k.mmap(t, mm: t.mm!, req)
        _ = await k.store(t, alignedBase, 5)
        _ = await k.madvise(t, mm: t.mm!, alignedBase, 2 << 20, .hugepage)
    }

    /// Where gup-fast's page went, for the check after the threads.
    final class Taken: @unchecked Sendable { var pfn: Pfn? }

    /// Without IPIs the flush does not hold off gup-fast: with only the PTE re-read it
    /// keeps a small page the collapse copied and freed (the pin is not the page P maps);
    /// re-reading the PMD (v6.0) catches the cleared PMD. The v6.2 IPI is off in both.
    @Test(arguments: [false, true]) func pmdRecheckKeepsThePinOnTheMappedPage(fix: Bool) {
        let config = KernelConfig(era: .v6_1, overrides: [
            (.thpAlways, false), (.tlbFlushIpi, false), (.rcuTableFree, true),
            (.khugepagedGupFastIpi, false), (.gupFastPmdRecheck, fix)])
        let taken = Taken()
        let r = ConcurrencyTests.exploreAll(config, cpus: [0, 1], setup: Self.onePage, threads: [
            { k, t in
                var held = HeldPages()
                if await k.getUserPagesFast(t, mm: t.mm!, alignedBase, 1, [.pin, .write],
                                            held: &held) == 1 {
                    taken.pfn = held.pfns[0]
                }
            },
            { k, t in _ = await k.khugepagedCollapse(t, mm: t.mm!, alignedBase, 2 << 20) },
        ], check: { k in taken.pfn == k.observe(mm: MMID(0), alignedBase).pagemap.pfn })
        #expect(r.executions > 1)
        #expect(r.allHold == fix)
    }

    /// A gup-fast that read the PMD before the collapse reads a PTE of the old table after
    /// munmap freed it (zap_deposited_table), unless the flush is an IPI (x86 native) or
    /// the collapse sends tlb_remove_table_sync_one (v6.2). get_user_pages_fast() sets
    /// FOLL_GET itself: with no flag the walk took no reference and the release below put
    /// one it never had, a double free DPOR reached once puts stopped commuting.
    @Test(arguments: [(false, false), (false, true), (true, false)])
    func syncIPIKeepsGupFastOffTheFreedTable(ipiFlush: Bool, fix: Bool) {
        let config = KernelConfig(era: .v6_1, overrides: [
            (.thpAlways, false), (.tlbFlushIpi, ipiFlush), (.rcuTableFree, true),
            (.khugepagedGupFastIpi, fix)])
        let r = ConcurrencyTests.exploreAll(config, cpus: [0, 1], setup: Self.onePage, threads: [
            { k, t in
                var held = HeldPages()
                _ = await k.getUserPagesFast(t, mm: t.mm!, alignedBase, 1, [.get], held: &held)
                await k.releaseHeld(t, held, pinned: false)
            },
            { k, t in
                _ = await k.khugepagedCollapse(t, mm: t.mm!, alignedBase, 2 << 20)
                _ = await k.munmap(t, mm: t.mm!, alignedBase, 2 << 20)
            },
        ], check: { k in !k.violations.contains { $0.kind == .useAfterFree } })
        #expect(r.allHold == (ipiFlush || fix))
    }

    /// The knobs are on from the first era whose kernel has the fix: both were backported
    /// to 5.10.y (the v5.10 era is 5.10.223); every era flushes with IPIs (x86 native).
    @Test func knobDefaultsFollowTheEras() {
        #expect(Era.allCases.filter { Knob.gupFastPmdRecheck.defaultValue(in: $0) }.first == .v5_10)
        #expect(Era.allCases.filter { Knob.khugepagedGupFastIpi.defaultValue(in: $0) }.first
                    == .v5_10)
        #expect(Era.allCases.allSatisfy { Knob.tlbFlushIpi.defaultValue(in: $0) })
    }
}
