import Testing
@testable import MMKernel

/// The fixes added as knobs for scenarios/history: each shows the bug with the knob off and
/// the fixed behaviour with it on, in the same era (docs/eras.md).
@Suite struct HistoryKnobTests {
    /// "mm/gup: trigger FAULT_FLAG_UNSHARE when R/O-pinning a possibly shared anonymous
    /// page" (v5.19): after fork, a R/O pin of the parent's COW-shared page first gives the
    /// parent an exclusive copy, mapped read-only, and pins that (reference §4.4, -EMLINK).
    @Test(arguments: [true, false]) func readOnlyPinUnsharesAfterFork(fix: Bool) async {
        let m = await Machine(.v6_1, [(.thpAlways, false), (.gupMustUnshare, fix)])
        let a = await m.map(.anon, 4096)
        _ = await m.kernel.store(m.task, a, 9)
        let shared = m.observe(a).pagemap.pfn
        let child = await m.kernel.fork(m.task, mm: m.mm)!
        var held = HeldPages()
        #expect(await m.kernel.getUserPages(m.task, mm: m.mm, a, 1, [.pin], held: &held) == 1)
        let now = m.observe(a)
        #expect(held.pfns == [now.pagemap.pfn])
        #expect(!now.writable)
        #expect((now.pagemap.pfn != shared) == fix)
        #expect(m.kernel.page(now.pagemap.pfn).flags.contains(.anonExclusive) == fix)
        // The parent's store reuses the pinned page only with the fix.
        #expect(await m.kernel.store(m.task, a, 7) == nil)
        #expect((m.observe(a).pagemap.pfn == held.pfns[0]) == fix)
        await m.kernel.releaseHeld(m.task, held, pinned: true)
        let ct = KTask.detached(name: "C", mm: child)
        #expect((try? await m.kernel.load(ct, a).get()) == 9)
        await m.kernel.exitMMap(ct, mm: child)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    /// MADV_FREE then MADV_PAGEOUT: a clean lazy-free page is discarded (the next load
    /// reads a zero page); a store after MADV_FREE redirties it and reclaim keeps it.
    @Test func lazyFreeDiscardedUnlessRedirtied() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 8192)
        _ = await m.kernel.store(m.task, a, 5)
        _ = await m.kernel.store(m.task, a + 4096, 5)
        #expect(await m.kernel.madvise(m.task, mm: m.mm, a, 8192, .free) == 0)
        #expect(await m.kernel.store(m.task, a + 4096, 6) == nil)
        #expect(await m.kernel.madvise(m.task, mm: m.mm, a, 8192, .pageout) == 0)
        #expect(m.observe(a).level == "none")
        #expect((try? await m.kernel.load(m.task, a).get()) == 0)
        #expect((try? await m.kernel.load(m.task, a + 4096).get()) == 6)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    /// MADV_FREE came in v4.5 and MADV_PAGEOUT in v5.4: older eras refuse them.
    @Test func lazyFreeAdviceEras() async {
        let old = await Machine(.v4_4)
        let a = await old.map(.anon, 4096)
        #expect(await old.kernel.madvise(old.task, mm: old.mm, a, 4096, .free) == -Errno.EINVAL)
        let mid = await Machine(.v5_2)
        let b = await mid.map(.anon, 4096)
        #expect(await mid.kernel.madvise(mid.task, mm: mid.mm, b, 4096, .free) == 0)
        #expect(await mid.kernel.madvise(mid.task, mm: mid.mm, b, 4096, .pageout) == -Errno.EINVAL)
    }

    /// Each new knob is on exactly from the first era whose kernel has the fix (the v5.10
    /// era is 5.10.223, which has the stable backports of the v5.18 and v5.19 fixes).
    @Test func knobDefaultsFollowTheEras() {
        #expect(Era.allCases.filter { Knob.forkWriteProtectSeq.defaultValue(in: $0) }.first
                == .v6_1)
        #expect(Era.allCases.filter { Knob.forkEarlyCowPinned.defaultValue(in: $0) }.first
                == .v5_10)
        #expect(Era.allCases.filter { Knob.gupMustUnshare.defaultValue(in: $0) }.first == .v6_1)
        #expect(Era.allCases.filter { Knob.madvFreeRefcountCheck.defaultValue(in: $0) }.first
                == .v5_10)
        #expect(Era.allCases.filter { Knob.tlbFlushPfnmapVma.defaultValue(in: $0) }.first == .v5_10)
        #expect(Era.allCases.filter { Knob.daxBreakLayouts.defaultValue(in: $0) }.first == .v5_2)
    }
}
