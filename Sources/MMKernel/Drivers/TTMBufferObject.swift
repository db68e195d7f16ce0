/// TTM buffer objects (drivers/gpu/drm/ttm/): where a BO's memory lives and how it goes
/// back. System BOs get pages from the page allocator through ttm_pool (ttm_pool.c);
/// VRAM BOs are ranges of a PCI BAR that has no struct pages.

/// Where a TTM buffer object's backing store is.
public enum TTMPlacement: String, Hashable, Sendable {
    /// TTM_PL_SYSTEM/TT: pages from the page allocator, owned by the driver.
    case system
    /// TTM_PL_VRAM: device memory behind a PCI BAR, no struct pages (pfn_valid false).
    case vram
}

/// One ttm_pool allocation: `1 << order` frames from alloc_pages() without __GFP_COMP,
/// so only the first frame carries a reference (the others are at 0); ttm_pool keeps the
/// order in page->private.
public struct TTMBlock: Hashable, Sendable {
    /// First frame.
    public var pfn: Pfn
    /// Allocation order.
    public var order: Int
}

/// A modelled `struct ttm_buffer_object` exported as a dma-buf.
public struct TTMBufferObject: Hashable, Sendable {
    /// The scenario's name (`dmabuf:NAME`).
    public let name: String
    /// Size in pages (bo->resource->num_pages).
    public let pages: Int
    /// System memory or VRAM.
    public let placement: TTMPlacement
    /// `huge`: the exporting driver has a huge_fault handler (vmwgfx's
    /// vmw_bo_vm_huge_fault in v5.8–v5.15) and the BO was allocated in 2M blocks.
    public let huge: Bool
    /// The exporter still holds its reference (the dma-buf fd is open).
    public var ownerHeld = true
    /// ttm_bo_release() ran: the backing store is gone.
    public var released = false
    /// System: the pfn of every page (ttm_tt->pages), empty for VRAM.
    public var pfns: [Int32] = []
    /// System: the ttm_pool allocations, in order.
    public var blocks: [TTMBlock] = []
    /// VRAM: the first pfn of the BO's range in the BAR.
    public var vramPfn = Pfn(0)

    /// The pfn backing page `offset` of the BO (ttm->pages[i] or ttm_bo_io_mem_pfn()).
    public func pfn(at offset: Int) -> Pfn {
        placement == .vram ? vramPfn + offset : Pfn(Int(pfns[offset]))
    }
}

/// A range of frames TTM returned to the page allocator while someone held references.
public struct RecycledRange: Hashable, Sendable {
    /// First frame.
    public var pfn: Pfn
    /// Number of frames.
    public var count: Int
}

/// TTM's state in one execution: the BOs, the VRAM BAR's range manager, and what was
/// recycled while still referenced.
public struct TTMState: Hashable, Sendable {
    /// First VRAM pfn: the VRAM BAR sits at 48 GiB, above RAM (0–4 GiB) and pmem, in the
    /// model's PCI MMIO window; it has no memmap, so pfn_valid() is false there.
    public static let vramBasePfn = Pfn(0xC0_0000)
    /// One past the last VRAM pfn (56 GiB; the P2PDMA BARs follow).
    public static let vramEndPfn = Pfn(0xE0_0000)
    /// Every BO ever created, by index.
    public var bos: [TTMBufferObject] = []
    /// The VRAM range manager's bump pointer.
    var vramNext = TTMState.vramBasePfn
    /// VRAM ranges freed by released BOs (reused first fit).
    var vramFree: [RecycledRange] = []
    /// Frames handed back while referenced (isRecycled(pfn:)).
    public var recycled: [RecycledRange] = []
    /// The dma-buf WARN_ON_ONCE already fired (once per boot).
    var warnedRequirePfnmap = false

    /// An empty state.
    public init() {}
}

extension Kernel {
    /// The index of the BO named `name`, if any.
    public func dmabuf(named name: String) -> Int? {
        drivers.ttm.bos.firstIndex(where: { $0.name == name })
    }

    /// True when `pfn` is a frame TTM gave back to the page allocator while someone still
    /// held a reference to it: any later DMA into it is a DMA into freed memory.
    public func isRecycled(pfn: Pfn) -> Bool {
        drivers.ttm.recycled.contains { pfn >= $0.pfn && pfn < $0.pfn + $0.count }
    }

    /// Models ttm_bo_init_reserved() + ttm_tt_populate() → ttm_pool_alloc()
    /// (ttm_pool.c) for a system BO, or the VRAM range manager for a VRAM BO. The model
    /// populates at creation (the GPU bound it); the fault path finds it populated.
    /// Huge system BOs take 2M blocks (what ttm_pool_alloc's highest-order-first loop
    /// gets when memory is not fragmented); others take order-0 pages. Returns the BO
    /// index or -ENOMEM.
    func ttmBoCreate(_ t: KTask, name: String, pages: Int, placement: TTMPlacement,
                     huge: Bool) async -> Int {
        var bo = TTMBufferObject(name: name, pages: pages, placement: placement, huge: huge)
        switch placement {
        case .vram:
            guard let start = vramAlloc(pages: pages) else { return -Errno.ENOMEM }
            bo.vramPfn = start
        case .system:
            var left = pages
            while left > 0 {
                let order = huge && left >= 512 ? 9 : 0
                guard let pfn = await ttmPoolAllocPage(t, order: order) else {
                    await ttmPoolFree(t, bo.blocks, checkReferences: false)
                    return -Errno.ENOMEM
                }
                bo.blocks.append(TTMBlock(pfn: pfn, order: order))
                for i in 0..<(1 << order) { bo.pfns.append(Int32((pfn + i).raw)) }
                left -= 1 << order
            }
        }
        drivers.ttm.bos.append(bo)
        t.exec.note("ttm_bo_init \(name): \(pages) pages \(placement.rawValue)"
                    + (placement == .vram ? " at pfn \(hex(bo.vramPfn))" : ""))
        return drivers.ttm.bos.count - 1
    }

    /// Models ttm_pool_alloc_page() (ttm_pool.c): alloc_pages() without __GFP_COMP — a
    /// higher-order block is not a compound page: the first frame holds the allocation's
    /// reference, the others stay at 0.
    private func ttmPoolAllocPage(_ t: KTask, order: Int) async -> Pfn? {
        guard let pfn = await allocPages(t, order: order) else { return nil }
        if order > 0 {
            for i in 0..<(1 << order) {
                withPage(pfn + i) {
                    $0.flags.remove([.head, .tail])
                    $0.order = 0
                    $0.headOffset = 0
                }
            }
        }
        return pfn
    }

    /// Models ttm_pool_free() (ttm_pool.c) for cached pages: every block goes back with
    /// __free_pages(page, order). put_page_testzero() on the first frame frees the whole
    /// block when the driver held the only reference; when someone else holds one, the
    /// first frame lives on and the rest of the block is freed anyway (the !PageHead
    /// branch of __free_pages). Frames that go back while the block is referenced beyond
    /// what the BO holds are `recycled-while-referenced` and remembered for
    /// isRecycled(pfn:); a single frame with an extra reference just lives on until its
    /// last holder puts it. Without `checkReferences` (harness shutdown) a referenced
    /// block is left alone for the reference audit.
    private func ttmPoolFree(_ t: KTask, _ blocks: [TTMBlock], checkReferences: Bool) async {
        for b in blocks {
            let n = 1 << b.order
            // One scheduling point on the first frame: only it can gain references
            // concurrently (gup-fast adds them to pmd_page(); GUP's slow path refuses the
            // VM_IO vma, and without pte_special there is no gup-fast PTE walk).
            await t.step()
            var held: [String] = []
            for i in 0..<n {
                let p = page(b.pfn + i)
                let baseline: Int32 = i == 0 ? 1 : 0
                if p.refcount > baseline || p.mapcount > 0 {
                    held.append("pfn \(hex(b.pfn + i)) ref \(p.refcount)")
                }
            }
            if !held.isEmpty && !checkReferences { continue }  // left for the audit
            let headRef = page(b.pfn).refcount
            // Frames go back while referenced unless the block is a single frame whose
            // extra reference keeps it alive (put_page_testzero() does not hit zero).
            if !held.isEmpty && (headRef <= 1 || b.order > 0) {
                let shown = held.prefix(3).joined(separator: ", ")
                    + (held.count > 3 ? " (+\(held.count - 3) more)" : "")
                report(.recycledWhileReferenced, "ttm_pool_free: order-\(b.order) block "
                       + "\(hex(b.pfn)) still referenced: \(shown)", t)
            }
            if headRef < 1 {
                report(.refcountUnderflow, "__free_pages: put_page_testzero on pfn "
                       + "\(hex(b.pfn)) with refcount \(headRef)", t)
            }
            if headRef <= 1 {
                // put_page_testzero() hits zero: the whole block is freed.
                withPage(b.pfn) { $0.refcount = 0 }
                if !held.isEmpty {
                    drivers.ttm.recycled.append(RecycledRange(pfn: b.pfn, count: n))
                }
                await freeBlock(t, b.pfn, order: b.order)
                continue
            }
            withPage(b.pfn) { $0.refcount -= 1 }
            t.exec.note("__free_pages \(hex(b.pfn)) order \(b.order): ref \(headRef) -> "
                        + "\(headRef - 1), first frame kept until its last holder")
            // !PageHead: free the tail part of the block in halves, down to order 0.
            var order = b.order
            while order > 0 {
                order -= 1
                let part = b.pfn + (1 << order)
                drivers.ttm.recycled.append(RecycledRange(pfn: part, count: 1 << order))
                await freeBlock(t, part, order: order)
            }
        }
    }

    /// Returns 2^order frames starting at `pfn` to the page allocator (free_the_page()),
    /// reporting a frame still mapped as `freed-while-mapped`.
    private func freeBlock(_ t: KTask, _ pfn: Pfn, order: Int) async {
        for i in 0..<(1 << order) {
            if mapcounts(pfn + i).mapcount > 0 {
                report(.freedWhileMapped, "ttm_pool_free: pfn \(hex(pfn + i)) still mapped "
                       + "(mapcount \(mapcounts(pfn + i).mapcount))", t)
            }
            withIdentity(pfn + i) { $0.flags = [.free]; $0.inode = -1 }
        }
        await t.step()
        memory.allocator.give(pfn, order: order, cpu: t.cpu)
        checks.stats.pagesFreed += 1 << order
    }

    /// The VRAM range manager (ttm_range_manager / drm_mm): a 2M-aligned range of the BAR.
    private func vramAlloc(pages: Int) -> Pfn? {
        let want = (pages + 511) & ~511
        if let i = drivers.ttm.vramFree.firstIndex(where: { $0.count >= want }) {
            let r = drivers.ttm.vramFree.remove(at: i)
            if r.count > want {
                drivers.ttm.vramFree.append(RecycledRange(pfn: r.pfn + want, count: r.count - want))
            }
            return r.pfn
        }
        guard drivers.ttm.vramNext + want <= TTMState.vramEndPfn else { return nil }
        defer { drivers.ttm.vramNext += want }
        return drivers.ttm.vramNext
    }

    /// Models ttm_bo_release() (ttm_bo.c) → ttm_bo_cleanup_memtype_use(): the BO's last
    /// reference is gone. System pages go back through ttm_tt_unpopulate() →
    /// ttm_pool_free(); a VRAM range returns to the range manager. The BO is assumed idle
    /// (no fences pending, so no delayed destroy).
    func ttmBoRelease(_ t: KTask, _ i: Int, checkReferences: Bool = true) async {
        guard !drivers.ttm.bos[i].released else { return }
        drivers.ttm.bos[i].released = true
        t.exec.note("ttm_bo_release \(drivers.ttm.bos[i].name)")
        switch drivers.ttm.bos[i].placement {
        case .system:
            await ttmPoolFree(t, drivers.ttm.bos[i].blocks, checkReferences: checkReferences)
        case .vram:
            drivers.ttm.vramFree.append(RecycledRange(pfn: drivers.ttm.bos[i].vramPfn,
                                              count: (drivers.ttm.bos[i].pages + 511) & ~511))
        }
    }

    /// True when a live process still has a vma mapping BO `i` (each such vma holds a BO
    /// reference: ttm_bo_mmap_obj / ttm_bo_vm_open take one, ttm_bo_vm_close drops it).
    func ttmBoMapped(_ t: KTask, _ i: Int) async -> Bool {
        for m in mms where !m.exited {
            await t.step()
            if m.vmas.contains(where: { $0.backing == .dmabuf(bo: i) }) { return true }
        }
        return false
    }

    /// Models ttm_bo_put() for the references `free` and vma close drop: when the owner
    /// let go and no vma maps the BO any more, it is released.
    func ttmBoPutIfUnused(_ t: KTask, _ i: Int) async {
        await t.step()
        guard !drivers.ttm.bos[i].ownerHeld, !drivers.ttm.bos[i].released else { return }
        if await ttmBoMapped(t, i) { return }
        await ttmBoRelease(t, i)
    }
}
