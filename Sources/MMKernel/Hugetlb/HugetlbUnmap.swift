import MMExplore

/// Unmapping hugetlb vmas (mm/hugetlb.c __unmap_hugepage_range and its callers;
/// mm/memory.c unmap_single_vma's hugetlb branch).
extension Kernel {
    /// Models unmap_single_vma()'s hugetlb branch → __unmap_hugepage_range_final(): for
    /// munmap and exit, i_mmap_rwsem for write (v6.1+: the vma lock for write first),
    /// unmap, and — it is the final unmap — make the vma ineligible for sharing before
    /// i_mmap_rwsem is dropped (v6.1+ __hugetlb_vma_unlock_write_free; earlier the vma
    /// leaves i_mmap in free_pgtables under the same lock, which the model folds in here).
    func unmapHugepageRangeFinal(_ t: KTask, mm: MMID, vma: VMA, _ start: UInt64, _ end: UInt64,
                                 _ tlb: inout MMUGather) async {
        guard case .hugetlb(let inode) = vma.backing else { return }
        let vmaLock =
            hugetlbUsesVmaLock(vma) ? LockID.hugetlbVma(lock: Int(vma.hugetlbVmaLock)) : nil
        if let l = vmaLock { await lock(t, l) }
        await lock(t, .iMmap(inode: inode))
        await unmapHugepageRange(t, mm: mm, vma: vma, start, end, &tlb)
        if vma.hugetlbVmaLock >= 0 { hugetlb.vmaGone[Int(vma.hugetlbVmaLock)] = true }
        if let l = vmaLock { await unlock(t, l) }
        await unlock(t, .iMmap(inode: inode))
    }

    /// Models __unmap_hugepage_range(): for each huge page of `[start, end)`: no PMD table
    /// (huge_pte_offset NULL) → skip to the next PUD; under the table's PT lock, a shared
    /// table is unshared (huge_pmd_unshare) and the rest of its PUD skipped; otherwise the
    /// entry is cleared, its range recorded on the mmu_gather, the compound mapcount
    /// dropped, and the page queued (tlb_remove_page_size) to lose the mapping's
    /// reference after the flush. Unshares are flushed before returning, i.e. before the
    /// caller drops i_mmap_rwsem (hugePmdUnshareFlush). The caller holds i_mmap_rwsem
    /// for write.
    func unmapHugepageRange(_ t: KTask, mm: MMID, vma: VMA, _ start: UInt64, _ end: UInt64,
                            _ tlb: inout MMUGather) async {
        var unshared: [UInt64] = []
        var addr = start & ~(PMD_SIZE - 1)
        while addr < end {
            let pudEnd = (addr & ~(PUD_SIZE - 1)) + PUD_SIZE
            guard let pmd = findEntry(mm: mm, addr, at: .pmd) else {
                addr = pudEnd
                continue
            }
            let ptl = LockID.ptl(slot: pmd.slot)
            await lock(t, ptl)
            if await hugePmdUnshare(t, mm: mm, vma: vma, addr, pmd: pmd) {
                await unlock(t, ptl)
                unshared.append(addr)
                addr = pudEnd
                continue
            }
            let e = tables.read(pmd.slot, pmd.index)
            if e != 0 {
                await writeEntry(t, pmd, 0, .pmd, "huge_ptep_get_and_clear")
                tlb.cleared(addr, PMD_SIZE)
                let pfn = layout.pfn(e)
                if mapcounts(pfn).entire <= 0 {
                    report(.bugOn,
                           "page_remove_rmap: hugetlb pfn \(hex(pfn)) mapcount underflow", t)
                } else {
                    withMapcounts(pfn) { $0.entire -= 1 }
                }
                tlb.pages.append(pfn)
            }
            await unlock(t, ptl)
            addr += PMD_SIZE
        }
        for a in unshared { await hugePmdUnshareFlush(t, mm: mm, vma: vma, a) }
    }

    /// Models hugetlb_change_protection() (mm/hugetlb.c), mprotect's hugetlb path: with the
    /// vma lock (v6.1+) and i_mmap_rwsem for write, each huge page of the vma either lies in
    /// a shared PMD table, which is unshared (huge_pmd_unshare: our PUD cleared, the rest
    /// of the PUD skipped; the process refaults later), or has its entry reprotected under
    /// the table's PT lock. The flush comes before i_mmap_rwsem is dropped: after an
    /// unshare, the PUD range (`hugetlb_unshare_pud_flush`: in the Debian 6.1.192/6.12
    /// sources read, the backported 2025 rework's tlb_unshare_pmd_ptdesc +
    /// huge_pmd_unshare_flush; mainline v5.16 fixed only the unmap path); without it,
    /// flush_hugetlb_tlb_range() over the vma's range widened by
    /// adjust_range_if_pmd_sharing_possible ("hugetlb: take PMD sharing into account when
    /// flushing tlb/caches", v4.19; v4.4: the vma's range), which a split vma does not widen.
    func hugetlbChangeProtection(_ t: KTask, mm: MMID, vma: VMA) async {
        guard case .hugetlb(let inode) = vma.backing else { return }
        let vmaLock =
            hugetlbUsesVmaLock(vma) ? LockID.hugetlbVma(lock: Int(vma.hugetlbVmaLock)) : nil
        if let l = vmaLock { await lock(t, l) }
        await lock(t, .iMmap(inode: inode))
        let prot = vma.pageProt
        var unshared: [UInt64] = []
        var addr = vma.start
        while addr < vma.end {
            let pudEnd = (addr & ~(PUD_SIZE - 1)) + PUD_SIZE
            guard let pmd = findEntry(mm: mm, addr, at: .pmd) else {
                addr = pudEnd
                continue
            }
            let ptl = LockID.ptl(slot: pmd.slot)
            await lock(t, ptl)
            if await hugePmdUnshare(t, mm: mm, vma: vma, addr, pmd: pmd) {
                await unlock(t, ptl)
                unshared.append(addr)
                addr = pudEnd
                continue
            }
            let e = tables.read(pmd.slot, pmd.index)
            if e != 0 && layout.isPresent(e) {
                let n = reprotect(e, prot, writable: vma.flags.contains(.write)) | PTEBits.pse
                if n != e { await writeEntry(t, pmd, n, .pmd, "huge_ptep_modify_prot_commit") }
            }
            await unlock(t, ptl)
            addr += PMD_SIZE
        }
        if !unshared.isEmpty && (config.has(.hugetlbUnsharePudFlush)
                                 || config.has(.hugetlbUnshareNarrowFlush)) {
            for a in unshared { await hugePmdUnshareFlush(t, mm: mm, vma: vma, a) }
        } else {
            var start = vma.start
            var end = vma.end
            if !unshared.isEmpty && config.era >= .v5_2 {
                adjustRangeIfPmdSharingPossible(vma, &start, &end)
            }
            await flushTLBRange(t, mm: mm, start, end - start)
        }
        await unlock(t, .iMmap(inode: inode))
        if let l = vmaLock { await unlock(t, l) }
    }

    /// Models copy_hugetlb_page_range() (mm/hugetlb.c) for fork: the child's vma gets its
    /// own vma lock (hugetlb_vm_op_open); each present huge entry of the parent is copied
    /// — unless huge_pte_alloc() made the child share the parent's table — taking a
    /// reference and a compound mapcount; private (COW) entries are write-protected in
    /// both.
    func copyHugetlbPageRange(_ t: KTask, parent: MMID, child: MMID, vma: VMA) async {
        guard case .hugetlb(let inode) = vma.backing else { return }
        var dstVma = vma
        if let i = mms[child].vmas.firstIndex(where: { $0.start == vma.start }) {
            mms[child].vmas[i].hugetlbVmaLock = hugetlbVmaLockAlloc()
            dstVma = mms[child].vmas[i]
        }
        let cow = vma.flags.isCOW
        var addr = vma.start
        while addr < vma.end {
            guard let src = findEntry(mm: parent, addr, at: .pmd) else {
                addr = (addr & ~(PUD_SIZE - 1)) + PUD_SIZE
                continue
            }
            let e = tables.read(src.slot, src.index)
            if e == 0 {
                addr += PMD_SIZE
                continue
            }
            guard let (dst, _) = await hugePteAlloc(t, child, dstVma, addr, inode: inode) else {
                return
            }
            if dst.slot == src.slot {
                addr = (addr & ~(PUD_SIZE - 1)) + PUD_SIZE  // the child shares the table
                continue
            }
            var copy = e
            if cow && layout.isWrite(e) {
                copy = e & ~PTEBits.rw
                await writeEntry(t, src, copy, .pmd, "copy_hugetlb_page_range: wrprotect")
            }
            let pfn = layout.pfn(e)
            await getPage(t, pfn)
            withPage(pfn) {
                $0.entireMapcount += 1
                if cow { $0.flags.remove(.anonExclusive) }
            }
            await writeEntry(t, dst, copy, .pmd, "copy_hugetlb_page_range: set_huge_pte_at")
            addr += PMD_SIZE
        }
    }
}
