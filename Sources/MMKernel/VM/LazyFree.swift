/// MADV_FREE lazy-free pages and the reclaim that discards them: madvise_free_pte_range()
/// and madvise_cold_or_pageout_pte_range() (mm/madvise.c), shrink_page_list()
/// (mm/vmscan.c) and try_to_unmap_one() (mm/rmap.c). There is no swap device in the model:
/// reclaim discards clean lazy-free pages and keeps every other page.
extension Kernel {
    /// Models madvise_free_single_vma() → madvise_free_pte_range() (mm/madvise.c) over
    /// `[start, end)` of an anonymous vma: each present small anonymous page mapped only
    /// here is cleaned (folio_clear_dirty, PTE made old and clean) and marked lazy-free
    /// (mark_page_lazyfree() clears PG_swapbacked); then the cleared range is flushed.
    /// Huge PMDs are left alone (the model does not split anonymous folios).
    func madviseFreeRange(_ t: KTask, mm: MMID, vma: VMA, _ start: UInt64, _ end: UInt64) async {
        var tlb = MMUGather(mm: mm)
        var addr = start
        while addr < end {
            let next = min((addr & ~(PMD_SIZE - 1)) + PMD_SIZE, end)
            guard let pmdRef = findEntry(mm: mm, addr, at: .pmd) else {
                addr = next
                continue
            }
            let pmd = tables.read(pmdRef.slot, pmdRef.index)
            guard pmd != 0, !layout.isLeaf(pmd), let slot = slotOf(entry: pmd) else {
                addr = next
                continue
            }
            let ptl = LockID.ptl(slot: slot)
            await lock(t, ptl)
            while addr < next {
                let ref = EntryRef(slot: slot, index: PageTableLevel.pte.index(addr))
                let pte = tables.read(slot, ref.index)
                if pte != 0, layout.isPresent(pte), let pfn = vmNormalPage(vma, addr, pte, t),
                   identity(pfn).flags.contains(.anon), !identity(pfn).flags.contains(.head),
                   compoundHead(pfn) == pfn, mapcounts(pfn).mapcount == 1 {
                    withState(pfn) { $0.flags.remove(.dirty) }
                    let clean = pte & ~(PTEBits.accessed | PTEBits.dirty)
                    if clean != pte {
                        await writeEntry(t, ref, clean, .pte,
                                         "madvise_free_pte_range(mkold, mkclean)")
                        tlb.cleared(addr, PAGE_SIZE)
                    }
                    withState(pfn) { $0.flags.remove(.swapBacked) }  // mark_page_lazyfree()
                }
                addr += PAGE_SIZE
            }
            await unlock(t, ptl)
        }
        await tlbFlushMMU(t, &tlb)
    }

    /// Models madvise_pageout() → madvise_cold_or_pageout_pte_range() (mm/madvise.c):
    /// each present small anonymous page mapped only here is isolated from the LRU (one
    /// reference, isolate_lru_page) under the PTE lock; then reclaim_pages() runs
    /// shrink_page_list() on them.
    func madvisePageoutRange(_ t: KTask, mm: MMID, vma: VMA, _ start: UInt64,
                             _ end: UInt64) async {
        var isolated: [(addr: UInt64, pfn: Pfn)] = []
        var addr = start
        while addr < end {
            let next = min((addr & ~(PMD_SIZE - 1)) + PMD_SIZE, end)
            guard let pmdRef = findEntry(mm: mm, addr, at: .pmd) else {
                addr = next
                continue
            }
            let pmd = tables.read(pmdRef.slot, pmdRef.index)
            guard pmd != 0, !layout.isLeaf(pmd), let slot = slotOf(entry: pmd) else {
                addr = next
                continue
            }
            let ptl = LockID.ptl(slot: slot)
            await lock(t, ptl)
            while addr < next {
                let pte = tables.read(slot, PageTableLevel.pte.index(addr))
                if pte != 0, layout.isPresent(pte), let pfn = vmNormalPage(vma, addr, pte, t),
                   identity(pfn).flags.contains(.anon), !identity(pfn).flags.contains(.head),
                   compoundHead(pfn) == pfn, mapcounts(pfn).mapcount == 1 {
                    await getPage(t, pfn)  // isolate_lru_page()
                    isolated.append((addr, pfn))
                }
                addr += PAGE_SIZE
            }
            await unlock(t, ptl)
        }
        for (a, pfn) in isolated { await shrinkAnonPage(t, mm: mm, vma: vma, a, pfn) }
    }

    /// Models shrink_page_list() (mm/vmscan.c) for one isolated anonymous page mapped at
    /// `addr` of `mm`: a swap-backed page needs swap, which the model lacks, so it is kept;
    /// a lazy-free page is unmapped (try_to_unmap_one) and, if that discarded it, freed
    /// when page_ref_freeze(page, 1) finds only the isolation reference. The isolation
    /// reference is dropped at the end in every case (putback or free).
    private func shrinkAnonPage(_ t: KTask, mm: MMID, vma: VMA, _ addr: UInt64, _ pfn: Pfn) async {
        if !identity(pfn).flags.contains(.swapBacked) {
            let unmapped = await tryToUnmapLazyFree(t, mm: mm, vma: vma, addr, pfn)
            if unmapped {
                // page_ref_freeze(page, 1) fails while someone else holds a reference: the
                // page is kept (putback) and freed by that holder's last put.
                await t.step()
                let r = page(pfn).refcount
                if r != 1 || identity(pfn).flags.contains(.dirty) {
                    t.exec.note("shrink_page_list: pfn \(hex(pfn)) unmapped but ref \(r): kept")
                } else {
                    t.exec.note("shrink_page_list: lazy-free pfn \(hex(pfn)) discarded "
                                + "(PGLAZYFREED)")
                }
            }
        }
        await putPage(t, pfn)
    }

    /// Models try_to_unmap_one() (mm/rmap.c) for a lazy-free (anonymous, !PageSwapBacked)
    /// page: under the PTE lock the entry is cleared and flushed (ptep_clear_flush), a
    /// dirty PTE dirties the page; the page is discarded (rmap and the mapping's reference
    /// dropped) when it is clean and — with `madv_free_refcount_check` — its refcount is
    /// exactly the isolation reference plus its mappings. Otherwise the entry is restored
    /// and the page made swap-backed again. Returns true when it was discarded.
    private func tryToUnmapLazyFree(_ t: KTask, mm: MMID, vma: VMA, _ addr: UInt64,
                                    _ pfn: Pfn) async
        -> Bool
    {
        guard let pmdRef = findEntry(mm: mm, addr, at: .pmd) else { return false }
        let pmd = tables.read(pmdRef.slot, pmdRef.index)
        guard pmd != 0, !layout.isLeaf(pmd), let slot = slotOf(entry: pmd) else { return false }
        let ref = EntryRef(slot: slot, index: PageTableLevel.pte.index(addr))
        let ptl = LockID.ptl(slot: slot)
        await lock(t, ptl)
        let pte = tables.read(slot, ref.index)
        guard pte != 0, layout.isPresent(pte), layout.pfn(pte) == pfn else {
            await unlock(t, ptl)
            return false
        }
        await writeEntry(t, ref, 0, .pte, "ptep_clear_flush(try_to_unmap_one)")
        await flushTLBPage(t, mm: mm, addr)
        if pte & PTEBits.dirty != 0 { withState(pfn) { $0.flags.insert(.dirty) } }
        var discard = !identity(pfn).flags.contains(.dirty)
        if config.has(.madvFreeRefcountCheck) {
            // "mm: fix race between MADV_FREE reclaim and blkdev direct IO read": a GUP
            // reference (direct I/O in flight) makes the refcount exceed 1 + mapcount.
            // The refcount is read before the dirty flag (smp_rmb): a read completing in
            // between dirties the page before it drops its reference.
            await t.step()
            let refs = page(pfn).refcount
            let maps = mapcounts(pfn).mapcount
            discard = refs == 1 + maps && !identity(pfn).flags.contains(.dirty)
        }
        if !discard {
            await writeEntry(t, ref, pte, .pte, "set_pte_at(try_to_unmap_one: keep)")
            withState(pfn) { $0.flags.insert(.swapBacked) }
            await unlock(t, ptl)
            return false
        }
        mms[mm].anonPages -= 1
        removePteMapping(t, pfn)
        await unlock(t, ptl)
        await putPage(t, pfn)  // the reference the PTE held
        return true
    }
}
