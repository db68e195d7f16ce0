import Testing
@testable import MMKernel

/// GUP slow path and gup-fast rules (reference §4, §5).
@Suite struct GUPTests {
    /// Pin accounting per era (§5.4): a small folio takes the 1024 bias per pin, a large
    /// folio one reference and one pincount per page; eras without FOLL_PIN refuse it.
    @Test(arguments: Era.allCases) func pinAccountingPerEra(era: Era) async {
        let m = await Machine(era)
        let small = await m.map(.anon, 4096)
        _ = await m.kernel.touch(m.task, small, 4096, write: true)
        let big = await m.map(.anon, 2 << 20, at: alignedBase)
        _ = await m.kernel.touch(m.task, big, 2 << 20, write: true)
        var held = HeldPages()
        let s = await m.kernel.getUserPages(m.task, mm: m.mm, small, 1, [.pin, .write], held: &held)
        let l = await m.kernel.getUserPagesFast(m.task, mm: m.mm, big, 4, [.pin, .write],
                                                held: &held)
        guard era.hasFollPin else {
            #expect(s == -Errno.EINVAL && l == -Errno.EINVAL)
            return
        }
        #expect(s == 1 && l == 4)
        #expect(m.observe(small).refcount == 1 + 1024)
        #expect(m.observe(big).refcount == 1 + 4 && m.observe(big).pincount == 4)
        #expect(m.kernel.pageMaybeDMAPinned(m.observe(small).pagemap.pfn))
        await m.kernel.releaseHeld(m.task, held, pinned: true)
        #expect(m.observe(small).refcount == 1)
        #expect(m.observe(big).refcount == 1 && m.observe(big).pincount == 0)
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    @Test func getTakesOneReferencePerPage() async {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let a = await m.map(.anon, 16384)
        var held = HeldPages()
        // Not faulted yet: gup-fast finds nothing, the slow path faults each page in.
        let n = await m.kernel.getUserPagesFast(m.task, mm: m.mm, a, 4, [.get, .write], held: &held)
        #expect(n == 4)
        #expect(m.kernel.stats.gupFastFallbacks == 1 && m.kernel.stats.gupSlowFaults == 4)
        for i in 0..<4 { #expect(m.observe(a + UInt64(i) * 4096).refcount == 2) }
        // Now present and writable: gup-fast takes them all.
        var again = HeldPages()
        #expect(await m.kernel.getUserPagesFast(m.task, mm: m.mm, a, 4, [.get, .write],
                                                held: &again) == 4)
        #expect(m.kernel.stats.gupFastSuccesses == 1)
        await m.kernel.releaseHeld(m.task, held, pinned: false)
        await m.kernel.releaseHeld(m.task, again, pinned: false)
        #expect(m.observe(a).refcount == 1)
    }

    @Test func pfnMapIsRefusedBySlowPathAndFastPathFallsBack() async {
        let m = await Machine(.v6_1)
        let d = await m.map(.devMem, 8192, shared: true, offset: 0xA0000)
        var held = HeldPages()
        #expect(await m.kernel.getUserPagesFast(m.task, mm: m.mm, d, 2, [.get], held: &held)
                == -Errno.EFAULT)
        #expect(m.kernel.stats.gupFastFallbacks == 1 && held.pfns.isEmpty)
    }

    @Test func gupFastWithoutSpecialCheckTakesRawPfnRefs() async {
        // C0.4: without the special-bit test gup-fast grabs the pfn behind a PFNMAP PTE —
        // for a pfn below RAM's memmap it takes a reference the slow path would refuse.
        let m = await Machine(.v6_1, [(.gupFastSpecialCheck, false)])
        let d = await m.map(.devMem, 4096, shared: true, offset: 0xA0000)
        var held = HeldPages()
        let n = await m.kernel.getUserPagesFast(m.task, mm: m.mm, d, 1, [.get], held: &held)
        #expect(n == 1)
        #expect(m.kernel.page(Pfn(0xA0)).refcount == 2)
    }
}
