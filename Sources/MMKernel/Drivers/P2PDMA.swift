import MMExplore

/// PCI peer-to-peer DMA memory (drivers/pci/p2pdma.c, reference §11): a BAR registered
/// with memremap_pages(MEMORY_DEVICE_PCI_P2PDMA), handed out from a genpool, and mapped
/// to user space through the sysfs `p2pmem/allocate` file (v6.2+).

/// One P2PDMA provider: a PCI device whose BAR was added with pci_p2pdma_add_resource().
public struct P2PDMAProvider: Hashable, Sendable {
    /// The scenario's name (`p2pmem:NAME`).
    public let name: String
    /// First pfn of the BAR range.
    public let startPfn: Pfn
    /// Number of pages.
    public let pages: Int
    /// Its dev_pagemap.
    public let pgmap: PgmapID
    /// The genpool: one flag per page, true while allocated (gen_pool_alloc_owner).
    public var allocated: [Bool]
    /// The provider was torn down (`free`): no sysfs file, no genpool, no memmap.
    public var removed = false
}

/// The P2PDMA providers of one execution.
public struct P2PDMAState: Hashable, Sendable {
    /// First P2PDMA BAR pfn: 56 GiB, after the VRAM BARs, in the model's PCI MMIO window.
    public static let basePfn = Pfn(0xE0_0000)
    /// One past the window (64 GiB, the end of the modelled physical address space).
    public static let endPfn = Pfn(0x100_0000)
    /// Every provider, by index.
    public var providers: [P2PDMAProvider] = []
    /// Next free BAR address (each BAR starts on a 1 GiB boundary, a whole number of
    /// memmap sections, so removing one never touches another's struct pages).
    var next = P2PDMAState.basePfn

    /// An empty state.
    public init() {}
}

extension Kernel {
    /// The index of the provider named `name`, if any.
    public func p2pmem(named name: String) -> Int? {
        drivers.p2pdma.providers.firstIndex(where: { $0.name == name })
    }

    /// `p2pmem NAME size=S`: models pci_p2pdma_add_resource() (drivers/pci/p2pdma.c): the
    /// BAR range gets ZONE_DEVICE struct pages from memremap_pages(PCI_P2PDMA) (their
    /// refcount as the era keeps idle pages) and is added to the device's genpool.
    /// Returns 0, or -ENODEV before in-kernel P2PDMA existed (v4.20), -ENOMEM when the
    /// model's BAR window is full, or memremap_pages' error.
    public func p2pmemCreate(_ t: KTask, name: String, size: UInt64) async -> Int {
        guard config.era.hasP2PDMA else { return -Errno.ENODEV }
        let pages = Int((size + PAGE_SIZE - 1) >> 12)
        let span = (pages + (1 << 18) - 1) & ~((1 << 18) - 1)
        guard drivers.p2pdma.next + span <= P2PDMAState.endPfn else { return -Errno.ENOMEM }
        let start = drivers.p2pdma.next
        let pg = await memremapPages(t, type: .pciP2PDMA, startPfn: start, count: pages,
                                     owner: "p2pmem \(name)")
        guard let pg else { return -Errno.EBUSY }
        drivers.p2pdma.next += span
        drivers.p2pdma.providers.append(P2PDMAProvider(
            name: name, startPfn: start, pages: pages, pgmap: pg,
            allocated: Array(repeating: false, count: pages)))
        t.exec.note("pci_p2pdma_add_resource \(name): pfn \(hex(start))+\(pages)")
        return 0
    }

    /// Models gen_pool_alloc_owner() with the default first-fit algorithm: `n` contiguous
    /// free pages of provider `p`, marked allocated; nil when none.
    private func genPoolAlloc(_ p: Int, _ n: Int) -> Pfn? {
        let pool = drivers.p2pdma.providers[p].allocated
        var run = 0
        for i in pool.indices {
            run = pool[i] ? 0 : run + 1
            if run == n {
                let first = i - n + 1
                for j in first...i { drivers.p2pdma.providers[p].allocated[j] = true }
                return drivers.p2pdma.providers[p].startPfn + first
            }
        }
        return nil
    }

    /// Models p2pmem_alloc_mmap() (drivers/pci/p2pdma.c, v6.2+), the mmap handler of
    /// /sys/bus/pci/devices/DEV/p2pmem/allocate: (1) a private mapping or a non-zero
    /// offset is -EINVAL; (2) `len` bytes come from the genpool (-ENOMEM); (3)
    /// percpu_ref_tryget_live on the pgmap (-ENODEV when dying); (4) vm_insert_page()
    /// for every page — this sets VM_MIXEDMAP and installs normal, refcounted, rmapped
    /// PTEs — each page also taking a pgmap reference and dropping the allocation's own
    /// page reference; (5) v7.x first sets each page's count to 1 (idle pages are at 0).
    /// Before v6.2 the sysfs file does not exist: the open fails with -ENOENT.
    func p2pmemAllocMmap(_ t: KTask, mm: MMID, _ vma: inout VMA, _ p: Int) async -> Int {
        guard config.era.hasP2PDMAUser, !drivers.p2pdma.providers[p].removed else {
            return -Errno.ENOENT
        }
        guard vma.flags.contains(.mayShare), vma.pgoff == 0 else { return -Errno.EINVAL }
        let n = Int(vma.length >> 12)
        await t.step()
        guard let first = genPoolAlloc(p, n) else { return -Errno.ENOMEM }
        let pg = drivers.p2pdma.providers[p].pgmap
        await t.step()
        guard pgmapTryGetLive(pg) else {  // percpu_ref_tryget_live_rcu()
            genPoolFree(p, first, n)
            return -Errno.ENODEV
        }
        var addr = vma.start
        for pfn in first..<(first + n) {
            if config.era.zoneDeviceRefcount == .zeroBasedFolios {
                await t.step()
                withPage(pfn) { $0.refcount = 1 }  // set_page_count(page, 1)
            }
            let r = await vmInsertPage(t, mm: mm, &vma, addr, pfn: pfn)
            if r != 0 {
                await t.step()
                genPoolFree(p, pfn, first + n - pfn)
                return r
            }
            await t.step()
            pgmapGet(pg)  // percpu_ref_get(ref)
            await putPage(t, pfn)
            addr += PAGE_SIZE
        }
        await putDevPagemap(t, pg)  // percpu_ref_put(ref)
        t.exec.note("p2pmem_alloc_mmap \(drivers.p2pdma.providers[p].name): pfn \(hex(first))+\(n) "
                    + "at \(hex(vma.start))")
        return 0
    }

    /// Marks `n` pages from `pfn` free in provider `p`'s genpool (gen_pool_free).
    private func genPoolFree(_ p: Int, _ pfn: Pfn, _ n: Int) {
        let base = drivers.p2pdma.providers[p].startPfn
        for i in (pfn - base)..<(pfn - base + n) {
            drivers.p2pdma.providers[p].allocated[i] = false
        }
    }

    /// Models p2pdma_page_free() (≤v6.x dev_pagemap_ops.page_free) / p2pdma_folio_free()
    /// (v7.x): the last reference to a P2PDMA page dropped, so it returns to the genpool
    /// and drops the pgmap reference p2pmem_alloc_mmap() took for it.
    func p2pdmaPageFree(_ t: KTask, _ pfn: Pfn) async {
        guard let p = drivers.p2pdma.providers.firstIndex(where: {
            pfn >= $0.startPfn && pfn < $0.startPfn + $0.pages
        }) else { return }
        await t.step()
        genPoolFree(p, pfn, 1)
        t.exec.note("p2pdma_page_free pfn \(hex(pfn)): back to the genpool")
        t.exec.wake(Obj.page(pfn))
        await putDevPagemap(t, drivers.p2pdma.providers[p].pgmap)
    }

    /// `free NAME` of a p2pmem provider: the device goes away and its devm actions run in
    /// reverse order of registration. (1) pci_p2pdma_unmap_mappings(): removing the sysfs
    /// allocate file runs unmap_mapping_range() on it, zapping every user PTE (pages whose
    /// last reference that was return to the genpool); (2) memunmap_pages(): kill the
    /// percpu_ref and wait until every page reference (a GUP pin, say) is dropped, then
    /// the memmap is gone; (3) pci_p2pdma_release(): the genpool is destroyed. The model
    /// takes each mm's mmap_lock for read while zapping its vmas where the kernel holds
    /// i_mmap_rwsem; both keep a concurrent munmap out. Returns 0, or -EBADF when the
    /// provider is already gone.
    public func p2pmemFree(_ t: KTask, name: String) async -> Int {
        guard let p = p2pmem(named: name) else { return -Errno.EBADF }
        await t.step()
        guard !drivers.p2pdma.providers[p].removed else { return -Errno.EBADF }
        drivers.p2pdma.providers[p].removed = true  // the sysfs file disappears first
        for m in mms.ids where !mms[m].exited {
            await lockShared(t, .mmap(mm: m))
            var tlb = MMUGather(mm: m)
            for v in mms[m].vmas where v.backing == .p2pmem(provider: p) {
                await zapRange(t, mm: m, vma: v, v.start, v.end, &tlb)
            }
            await tlbFlushMMU(t, &tlb)
            await unlockShared(t, .mmap(mm: m))
        }
        t.exec.note("pci_p2pdma_unmap_mappings \(name): user mappings zapped")
        await memunmapPages(t, drivers.p2pdma.providers[p].pgmap)
        t.exec.note("pci_p2pdma_release \(name): genpool destroyed")
        return 0
    }
}
