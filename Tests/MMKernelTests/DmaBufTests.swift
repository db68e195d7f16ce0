import Testing
@testable import MMKernel

/// dma-buf mmap of TTM buffer objects per era (reference §10; seed 002).
@Suite struct DmaBufTests {
    /// A machine with one dma-buf `bo` and, when `map`, a shared mapping of it at a
    /// 2M-aligned address.
    func machine(_ era: Era, _ knobs: [(knob: Knob, on: Bool)] = [], size: UInt64 = 4 << 20,
                 placement: TTMPlacement = .system, huge: Bool = true) async -> Machine {
        let m = await Machine(era, knobs)
        #expect(await m.kernel.dmabufCreate(m.task, name: "bo", size: size,
                                            placement: placement, huge: huge) == 0)
        return m
    }

    @Test func v5_10HugePmdIsBarePseThatLooksLikeATHP() async {
        let m = await machine(.v5_10)
        let a = await m.map(.dmabuf(bo: 0), 4 << 20, shared: true, at: alignedBase)
        #expect(await m.kernel.touch(m.task, a, 4096, write: false) == nil)
        let o = m.observe(a)
        #expect(o.level == "pmd" && !o.special && !o.devmap)
        // pmd_trans_huge(): PSE without DEVMAP — what gup-fast and smaps test.
        #expect(m.kernel.layout.isTransHuge(o.entry))
        // vm_normal_page_pmd(): MIXEDMAP and pfn_valid, so the driver's page is "normal".
        #expect(o.normal)
        #expect(o.smaps.vmFlags == "rd wr sh mr mw me ms io de dd sd mm")
        // The pfn is the BO's first page, 2M-aligned, and the block is not compound.
        let pfn = m.kernel.layout.pfn(o.entry)
        #expect(pfn == m.kernel.drivers.ttm.bos[0].pfn(at: 0) && pfn.isAligned(order: 9))
        #expect(m.kernel.page(pfn).refcount == 1 && m.kernel.page(pfn + 1).refcount == 0)
        #expect(!m.kernel.page(pfn).flags.contains(.head))
    }

    @Test func pfnMapKnobMakesTheHugePmdDevmap() async {
        let m = await machine(.v5_10, [(.ttmPfnMap, true)])
        let a = await m.map(.dmabuf(bo: 0), 4 << 20, shared: true, at: alignedBase)
        _ = await m.kernel.touch(m.task, a, 4096, write: false)
        let o = m.observe(a)
        #expect(o.level == "pmd" && o.devmap && !o.special && !o.normal)
        #expect(!m.kernel.layout.isTransHuge(o.entry))
    }

    @Test func hugeFaultNeedsAlignedContiguousBOAndTheEra() async {
        // Not `huge`: order-0 pages and no huge_fault: PTEs, 16 per fault.
        let small = await machine(.v5_10, huge: false)
        let a = await small.map(.dmabuf(bo: 0), 4 << 20, shared: true, at: alignedBase)
        _ = await small.kernel.touch(small.task, a, 4096, write: false)
        #expect(small.observe(a).level == "pte" && small.observe(a).special)
        #expect(small.observe(a + 15 * 4096).level == "pte")
        #expect(small.observe(a + 16 * 4096).level == "none")
        // The removal commit backported: PTEs again.
        let removed = await machine(.v5_10, [(.ttmHugeFault, false)])
        let b = await removed.map(.dmabuf(bo: 0), 4 << 20, shared: true, at: alignedBase)
        _ = await removed.kernel.touch(removed.task, b, 4096, write: false)
        #expect(removed.observe(b).level == "pte")
        // A BO of 3M: the second 2M chunk would cross the BO's end, so it falls back.
        let odd = await machine(.v5_10, size: 3 << 20)
        let c = await odd.map(.dmabuf(bo: 0), 3 << 20, shared: true, at: alignedBase)
        _ = await odd.kernel.touch(odd.task, c + (2 << 20), 4096, write: false)
        #expect(odd.observe(c + (2 << 20)).level == "pte")
        // v6.1 has no TTM huge path.
        let later = await machine(.v6_1)
        let d = await later.map(.dmabuf(bo: 0), 4 << 20, shared: true, at: alignedBase)
        _ = await later.kernel.touch(later.task, d, 4096, write: false)
        #expect(later.observe(d).level == "pte")
    }

    @Test func nukeCommitMakesTheVmaPfnmapAndRefusesCOW() async {
        let m = await machine(.v6_1, huge: false)
        var req = MmapRequest(target: .dmabuf(bo: 0), length: 2 << 20)
        #expect(await m.kernel.mmap(m.task, mm: m.mm, req) == -Int64(Errno.EINVAL))
        req.shared = true
        let a = UInt64(await m.kernel.mmap(m.task, mm: m.mm, req))
        _ = await m.kernel.touch(m.task, a, 4096, write: true)
        let o = m.observe(a)
        #expect(o.smaps.vmFlags == "rd wr sh mr mw me ms pf io de dd sd")
        #expect(o.level == "pte" && o.special && o.writable && !o.normal)
        #expect(o.smaps.rss == 0 && !o.pagemap.present)
        // Before the commit (knob off in v6.1) the same vma is MIXEDMAP.
        let old = await machine(.v6_1, [(.ttmNukeMixedmap, false)], huge: false)
        let b = await old.map(.dmabuf(bo: 0), 2 << 20, shared: true)
        #expect(old.observe(b).smaps.vmFlags.hasSuffix("mm"))
    }

    @Test func mmapBeyondTheBufferIsEINVAL() async {
        let m = await machine(.v5_10, size: 2 << 20)
        var req = MmapRequest(target: .dmabuf(bo: 0), length: 2 << 20)
        req.shared = true
        req.offset = 4096
        #expect(await m.kernel.mmap(m.task, mm: m.mm, req) == -Int64(Errno.EINVAL))
        req.offset = 0
        req.length = 4 << 20
        #expect(await m.kernel.mmap(m.task, mm: m.mm, req) == -Int64(Errno.EINVAL))
    }

    @Test func requirePfnmapWarnsOnceAndStillMaps() async {
        let m = await machine(.v5_10, [(.dmabufRequirePfnmap, true)])
        _ = await m.map(.dmabuf(bo: 0), 2 << 20, shared: true)
        _ = await m.map(.dmabuf(bo: 0), 2 << 20, shared: true)
        let warns = m.kernel.violations.filter { $0.kind == .bugOn }
        #expect(warns.count == 1)
        #expect(warns.first?.detail.hasPrefix("WARN_ON_ONCE(!(vma->vm_flags & VM_PFNMAP))") == true)
        let quiet = await machine(.v6_1, [(.dmabufRequirePfnmap, true)])
        _ = await quiet.map(.dmabuf(bo: 0), 2 << 20, shared: true)
        #expect(quiet.kernel.violations.isEmpty)
    }

    @Test func vramBOHasNoStructPages() async {
        let m = await machine(.v5_10, size: 2 << 20, placement: .vram)
        let bo = m.kernel.drivers.ttm.bos[0]
        #expect(bo.vramPfn >= TTMState.vramBasePfn && !m.kernel.memory.memmap.pfnValid(bo.vramPfn))
        let a = await m.map(.dmabuf(bo: 0), 2 << 20, shared: true, at: alignedBase)
        #expect(await m.kernel.store(m.task, a + 8192, 9) == nil)
        let o = m.observe(a + 8192)
        #expect(o.level == "pmd" && !o.normal && o.pagemap.pfn == bo.vramPfn + 2)
        #expect(await m.kernel.load(m.task, a + 8192) == .success(9))
    }

    @Test func freeWhileMappedWaitsForTheLastMapping() async {
        let m = await machine(.v5_10, size: 2 << 20, huge: false)
        let a = await m.map(.dmabuf(bo: 0), 2 << 20, shared: true)
        let pfn = m.kernel.drivers.ttm.bos[0].pfn(at: 0)
        #expect(await m.kernel.dmabufFree(m.task, name: "bo") == 0)
        #expect(!m.kernel.drivers.ttm.bos[0].released)
        #expect(await m.kernel.munmap(m.task, mm: m.mm, a, 2 << 20) == 0)
        #expect(m.kernel.drivers.ttm.bos[0].released && m.kernel.page(pfn).flags.contains(.free))
        #expect(m.kernel.violations.isEmpty)
        #expect(await m.kernel.dmabufFree(m.task, name: "bo") == -Errno.EBADF)
    }

    @Test func freeOfAReferencedBlockRecyclesItsTail() async {
        // A reference on the first page of a 2M block (what gup-fast takes through a bare
        // PSE PMD): __free_pages keeps that page and frees the other 511.
        let m = await machine(.v5_10, size: 2 << 20)
        let head = m.kernel.drivers.ttm.bos[0].pfn(at: 0)
        await m.kernel.getPage(m.task, head, 2)
        #expect(await m.kernel.dmabufFree(m.task, name: "bo") == 0)
        #expect(m.kernel.violations.map(\.kind) == [.recycledWhileReferenced])
        #expect(m.kernel.page(head).refcount == 2 && !m.kernel.page(head).flags.contains(.free))
        #expect(m.kernel.page(head + 1).flags.contains(.free))
        #expect(m.kernel.isRecycled(pfn: head + 511) && !m.kernel.isRecycled(pfn: head))
    }

    @Test func freeOfAReferencedSinglePageLeavesItToItsHolder() async {
        let m = await machine(.v5_10, size: 8192, huge: false)
        let pfn = m.kernel.drivers.ttm.bos[0].pfn(at: 1)
        await m.kernel.getPage(m.task, pfn)
        #expect(await m.kernel.dmabufFree(m.task, name: "bo") == 0)
        #expect(m.kernel.violations.isEmpty && !m.kernel.isRecycled(pfn: pfn))
        #expect(m.kernel.page(pfn).refcount == 1 && !m.kernel.page(pfn).flags.contains(.free))
        await m.kernel.putPage(m.task, pfn)
        #expect(m.kernel.page(pfn).flags.contains(.free))
    }

    @Test func withoutPteSpecialMixedmapMapsRefcountedPages() async {
        // vmf_insert_mixed on an architecture without pte_special: insert_page().
        let m = await machine(.v5_10, [(.pteSpecial, false)], size: 8192, huge: false)
        let a = await m.map(.dmabuf(bo: 0), 8192, shared: true)
        _ = await m.kernel.touch(m.task, a, 4096, write: false)
        let pfn = m.kernel.drivers.ttm.bos[0].pfn(at: 0)
        #expect(m.observe(a).normal && m.kernel.page(pfn).refcount == 2)
        #expect(m.observe(a).smaps.rss == 8)
        #expect(await m.kernel.munmap(m.task, mm: m.mm, a, 8192) == 0)
        #expect(m.kernel.page(pfn).refcount == 1)
    }
}
