/// collapse_huge_page() and its isolate and copy steps (mm/khugepaged.c), for anonymous
/// memory: the order of clear, flush, refcount check and copy that gup-fast races with.
extension Kernel {
    /// Models collapse_huge_page() (mm/khugepaged.c): allocate the THP, take mmap_lock for
    /// write, clear the PMD and flush the range (pmdp_collapse_flush), with
    /// `khugepaged_gup_fast_ipi` wait for every IRQs-off CPU (tlb_remove_table_sync_one),
    /// then under the PTE lock check and isolate the small pages
    /// (__collapse_huge_page_isolate). On failure the PMD is put back (pmd_populate); on
    /// success the pages are copied and freed (__collapse_huge_page_copy), the old PTE
    /// table is deposited for a later split and the huge PMD installed. anon_vma's lock
    /// is not modelled: every rmap walker of the model (MADV_PAGEOUT reclaim) holds
    /// mmap_lock, which the collapse holds for write. Returns the scan result.
    func collapseHugePage(_ t: KTask, mm: MMID, _ haddr: UInt64, _ caller: CollapseCaller) async
        -> CollapseResult
    {
        // alloc_charge_hpage(): the THP is allocated before mmap_lock is taken for write.
        guard let hpage = await allocPages(t, order: 9) else { return .allocFail }
        await lock(t, .mmap(mm: mm))
        let r = await collapseLocked(t, mm: mm, haddr, caller, hpage: hpage)
        await unlock(t, .mmap(mm: mm))
        if r != .succeed { await putPage(t, hpage) }
        return r
    }

    /// The part of collapse_huge_page() under mmap_lock held for write.
    private func collapseLocked(_ t: KTask, mm: MMID, _ haddr: UInt64, _ caller: CollapseCaller,
                                hpage: Pfn) async -> CollapseResult {
        // hugepage_vma_revalidate() and check_pmd_still_valid().
        guard let vi = collapseVMAIndex(mm: mm, haddr, caller) else { return .vmaCheck }
        let vma = mms[mm].vmas[vi]
        guard let pmdRef = findEntry(mm: mm, haddr, at: .pmd) else { return .pmdNull }
        let pmdPtl = LockID.ptl(slot: pmdRef.slot)
        await lock(t, pmdPtl)
        let pmd = tables.read(pmdRef.slot, pmdRef.index)
        guard pmd != 0, !layout.isLeaf(pmd), let slot = slotOf(entry: pmd) else {
            await unlock(t, pmdPtl)
            return layout.isLeaf(pmd) ? .pmdMapped : .pmdNull
        }
        // pmdp_collapse_flush(): clear the PMD, then flush_tlb_range() of the 2M range
        // (no freed_tables: lazy CPUs are skipped). gup-fast may have read the PMD
        // already and still walk the PTE table.
        await writeEntry(t, pmdRef, 0, .pmd, "pmdp_collapse_flush")
        await flushTLBRange(t, mm: mm, haddr, PMD_SIZE)
        await unlock(t, pmdPtl)
        if config.has(.khugepagedGupFastIpi) {
            // "mm/khugepaged: fix GUP-fast interaction by sending IPI": no gup-fast that
            // read the old PMD is still running once every CPU took this IPI.
            await tlbRemoveTableSyncOne(t)
        }
        let ptl = LockID.ptl(slot: slot)
        await lock(t, ptl)
        let r = collapseCheckPtes(vma, haddr, slot, caller)
        var isolated: [(index: Int, pfn: Pfn)] = []
        if r == .succeed {
            for i in 0..<512 {
                let pte = tables.read(slot, i)
                guard pte != 0, layout.pfn(pte) != memory.zeroPfn else { continue }
                let pfn = layout.pfn(pte)
                await getPage(t, pfn)  // isolate_lru_page()
                isolated.append((i, pfn))
            }
        }
        await unlock(t, ptl)
        if r != .succeed {
            // The PTE table goes back where it was (pmd_populate).
            t.exec.note("__collapse_huge_page_isolate: \(r): put the PTE table back")
            await lock(t, pmdPtl)
            await writeEntry(t, pmdRef, pmd, .pmd, "pmd_populate(collapse failed)")
            await unlock(t, pmdPtl)
            return r
        }
        await collapseCopy(t, mm: mm, haddr, slot, isolated, hpage: hpage)
        // Install the huge PMD: page_add_new_anon_rmap, deposit, set_pmd_at.
        await lock(t, pmdPtl)
        withPage(hpage) {
            $0.entireMapcount = 1
            $0.flags.formUnion([.anon, .anonExclusive, .swapBacked, .uptodate])
        }
        var entry = layout.make(pfn: hpage, prot: vma.pageProt) | PTEBits.pse | PTEBits.dirty
        if vma.flags.contains(.write) { entry |= PTEBits.rw }  // maybe_pmd_mkwrite()
        mms[mm].deposited[haddr] = slot
        await writeEntry(t, pmdRef, entry, .pmd, "set_pmd_at(collapse_huge_page)")
        await unlock(t, pmdPtl)
        return .succeed
    }

    /// Models __collapse_huge_page_copy() (mm/khugepaged.c): each small page is copied
    /// into its subpage of the THP, its isolation reference dropped (putback), its PTE
    /// cleared and its rmap removed under the PTE lock, then its mapping reference dropped
    /// (free_page_and_swap_cache): it is freed unless someone still holds a reference.
    /// A none PTE leaves its subpage zeroed and adds to MM_ANONPAGES.
    private func collapseCopy(_ t: KTask, mm: MMID, _ haddr: UInt64, _ slot: TableSlot,
                              _ isolated: [(index: Int, pfn: Pfn)], hpage: Pfn) async {
        let ptl = LockID.ptl(slot: slot)
        for (i, src) in isolated {
            await t.step()
            copyFrameData(from: src, to: hpage + i)  // copy_user_highpage()
            t.exec.note("copy_user_highpage pfn \(hex(src)) -> \(hex(hpage + i))")
            await putPage(t, src)  // release_pte_page(): the isolation reference
            await lock(t, ptl)
            await writeEntry(t, EntryRef(slot: slot, index: i), 0, .pte, "ptep_clear(collapse)")
            removePteMapping(t, src)
            await unlock(t, ptl)
            await putPage(t, src, name: "free_page_and_swap_cache")
        }
        mms[mm].anonPages += 512 - isolated.count
    }
}
