/// dma-buf (drivers/dma-buf/dma-buf.c) with a TTM exporter: export, mmap of the dma-buf
/// fd (dma_buf_mmap_internal → the exporter's mmap → ttm_bo_mmap_obj), and the owner
/// letting go (`free`). Reference §10; seed 002.
extension Kernel {
    /// `dmabuf NAME size=S [backing=] [huge]`: a TTM BO created and exported as a dma-buf
    /// (ttm_bo_init + dma_buf_export). The exporter holds one reference through the
    /// dma-buf fd. Returns 0 or -errno.
    public func dmabufCreate(_ t: KTask, name: String, size: UInt64, placement: TTMPlacement,
                             huge: Bool) async -> Int {
        let pages = Int((size + PAGE_SIZE - 1) >> 12)
        let i = await ttmBoCreate(t, name: name, pages: pages, placement: placement, huge: huge)
        return i < 0 ? i : 0
    }

    /// call_mmap() for the driver-backed vmas: the file's f_op->mmap. nil for vmas no
    /// driver of this file handles (the caller maps them itself).
    func driverMmap(_ t: KTask, mm: MMID, _ vma: inout VMA) async -> Int? {
        switch vma.backing {
        case .dmabuf(let bo): return await dmaBufMmapInternal(t, &vma, bo: bo)
        case .p2pmem(let provider): return await p2pmemAllocMmap(t, mm: mm, &vma, provider)
        case .packetRing: return await packetMmap(t, mm: mm, &vma)
        default: return nil
        }
    }

    /// Models dma_buf_mmap_internal() (drivers/dma-buf/dma-buf.c): the exporter must
    /// have an mmap op, `vm_pgoff + vma_pages` must fit in the buffer (-EINVAL), then the
    /// exporter's mmap runs (here TTM's). With `dmabuf_require_pfnmap` the proposed
    /// WARN_ON_ONCE(!(vma->vm_flags & VM_PFNMAP)) follows: it only warns — the patch
    /// returns the exporter's result unchanged, so the mmap still succeeds. A closed fd
    /// (after `free`) is -EBADF.
    private func dmaBufMmapInternal(_ t: KTask, _ vma: inout VMA, bo: Int) async -> Int {
        await t.step()
        let b = drivers.ttm.bos[bo]
        guard b.ownerHeld, !b.released else { return -Errno.EBADF }
        if vma.pgoff + (vma.length >> 12) > UInt64(b.pages) { return -Errno.EINVAL }
        let r = ttmBoMmapObj(t, &vma, bo: bo)
        if config.has(.dmabufRequirePfnmap) && !vma.flags.contains(.pfnMap)
            && !drivers.ttm.warnedRequirePfnmap {
            drivers.ttm.warnedRequirePfnmap = true
            report(.bugOn, "WARN_ON_ONCE(!(vma->vm_flags & VM_PFNMAP)) in "
                   + "dma_buf_mmap_internal: exporter \(b.name) set up "
                   + (vma.flags.contains(.mixedMap) ? "VM_MIXEDMAP" : vma.flags.mnemonics), t)
        }
        return r
    }

    /// Models ttm_bo_mmap_obj() → ttm_bo_mmap_vma_setup() (ttm_bo_vm.c): vm_ops are
    /// ttm_bo_vm_ops (the model's `.dmabuf` backing), the vma takes a BO reference, and
    /// the flags are VM_MIXEDMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP before "drm/ttm: nuke
    /// VM_MIXEDMAP on BO mappings v3", VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP after it
    /// — and then a COW mapping is refused with -EINVAL.
    private func ttmBoMmapObj(_ t: KTask, _ vma: inout VMA, bo: Int) -> Int {
        if config.has(.ttmNukeMixedmap) {
            if vma.flags.isCOW { return -Errno.EINVAL }
            vma.flags.formUnion([.pfnMap, .io, .dontExpand, .dontDump])
        } else {
            vma.flags.formUnion([.mixedMap, .io, .dontExpand, .dontDump])
        }
        t.exec.note("ttm_bo_mmap_obj \(drivers.ttm.bos[bo].name): \(vma.flags.mnemonics)")
        return 0
    }

    /// `free NAME` of a dma-buf: the owner closes its dma-buf fd (dma_buf_release →
    /// the exporter's release → ttm_bo_put). The BO is released when no vma maps it any
    /// more; at release its system pages go back (ttm_pool_free), and a page still
    /// referenced then is `recycled-while-referenced`. Returns 0, or -EBADF when the
    /// owner already let go.
    public func dmabufFree(_ t: KTask, name: String) async -> Int {
        guard let i = dmabuf(named: name) else { return -Errno.EBADF }
        await t.step()
        guard drivers.ttm.bos[i].ownerHeld else { return -Errno.EBADF }
        drivers.ttm.bos[i].ownerHeld = false
        t.exec.note("dma_buf_release \(name): owner reference dropped")
        await ttmBoPutIfUnused(t, i)
        return 0
    }

    /// Models the vm_ops->close calls of remove_vma() for driver vmas (ttm_bo_vm_close →
    /// ttm_bo_put): called by munmap and exit_mmap after the range was unmapped.
    func driverVMAsClosed(_ t: KTask, _ vmas: [VMA]) async {
        var seen: [Int] = []
        for v in vmas {
            guard case .dmabuf(let bo) = v.backing, !seen.contains(bo) else { continue }
            seen.append(bo)
            await ttmBoPutIfUnused(t, bo)
        }
    }

    /// At the end of an execution the harness closes the dma-buf fds it still holds:
    /// each unmapped BO is released. Pages still referenced then are left to the audit
    /// (refcount-leak) rather than reported as recycled.
    public func closeDmabufFds(_ t: KTask) async {
        for i in drivers.ttm.bos.indices where drivers.ttm.bos[i].ownerHeld
            && !drivers.ttm.bos[i].released {
            drivers.ttm.bos[i].ownerHeld = false
            if await ttmBoMapped(t, i) { continue }
            await ttmBoRelease(t, i, checkReferences: false)
        }
    }
}

extension Kernel {
    /// Models a driver revoking a VRAM BO's pfns, as TTM eviction does (ttm_bo_evict →
    /// ttm_bo_unmap_virtual → unmap_mapping_range() over the BO's range, then the VRAM
    /// range goes back to the range manager). Every vma still in the mapping's i_mmap (the
    /// mms' vma lists) is zapped with its own mmu_gather; tlb_finish_mmu() flushes the
    /// whole mm when another gather is in progress on it (mm_tlb_flush_nested). The BO is
    /// marked moved before the unmap (the reservation its fault handler waits for); it
    /// gets no new placement here: faults on it from then on get SIGBUS. Returns 0, -EBADF for
    /// an unknown or released BO, -EINVAL for a system BO.
    public func dmabufEvict(_ t: KTask, name: String) async -> Int {
        guard let i = dmabuf(named: name) else { return -Errno.EBADF }
        await t.step()
        guard !drivers.ttm.bos[i].released else { return -Errno.EBADF }
        guard drivers.ttm.bos[i].placement == .vram else { return -Errno.EINVAL }
        // The BO is reserved and moved first: from here on its fault handler
        // (ttm_bo_vm_reserve) never maps the VRAM range again (here: SIGBUS).
        drivers.ttm.bos[i].released = true
        t.exec.note("ttm_bo_evict \(name): unmap_mapping_range")
        for m in mms.ids where !mms[m].exited {
            let vmas = mms[m].vmas.filter { $0.backing == .dmabuf(bo: i) }
            for v in vmas {
                // zap_page_range_single(): tlb_gather_mmu, unmap_single_vma, tlb_finish_mmu.
                var tlb = MMUGather(mm: m)
                mms[m].tlbFlushPending += 1
                await zapRange(t, mm: m, vma: v, v.start, v.end, &tlb)
                await t.step()
                if mms[m].tlbFlushPending > 1 {
                    // mm_tlb_flush_nested(): someone else's flush may be pending; flush all.
                    t.exec.note("tlb_finish_mmu: nested flush pending on mm\(m): flush all")
                    tlb.cleared(0, 1 << 47)
                }
                await tlbFlushMMU(t, &tlb)
                mms[m].tlbFlushPending -= 1
            }
        }
        drivers.ttm.vramFree.append(RecycledRange(pfn: drivers.ttm.bos[i].vramPfn,
                                          count: (drivers.ttm.bos[i].pages + 511) & ~511))
        t.exec.note("ttm_bo_evict \(name): VRAM \(hex(drivers.ttm.bos[i].vramPfn)) freed")
        return 0
    }

    /// True when `pfn` lies in a VRAM range the range manager holds as free (a driver
    /// released or evicted the BO that had it).
    func vramIsFree(_ pfn: Pfn) -> Bool {
        guard pfn >= TTMState.vramBasePfn, pfn < TTMState.vramEndPfn else { return false }
        return drivers.ttm.vramFree.contains { pfn >= $0.pfn && pfn < $0.pfn + $0.count }
    }
}
