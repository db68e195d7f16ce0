/// Tearing mappings down: unmap_page_range() and free_pgtables() (mm/memory.c).
extension Kernel {
    /// Models unmap_page_range() → zap_pmd_range()/zap_pte_range() (mm/memory.c) for
    /// `[start, end)` inside vma `vma`: entries are cleared under their PTL, rmap and
    /// counters dropped, pages queued on the mmu_gather.
    func zapRange(_ t: KTask, mm: MMID, vma: VMA, _ start: UInt64, _ end: UInt64,
                  _ tlb: inout MMUGather) async {
        if vma.flags.contains(.hugetlb) {  // unmap_single_vma(): Hugetlb/HugetlbUnmap.swift
            await unmapHugepageRangeFinal(t, mm: mm, vma: vma, start, end, &tlb)
            return
        }
        var addr = start
        while addr < end {
            let next = min((addr & ~(PMD_SIZE - 1)) + PMD_SIZE, end)
            guard let pmdRef = findEntry(mm: mm, addr, at: .pmd) else {
                addr = next
                continue
            }
            let pmd = tables.read(pmdRef.slot, pmdRef.index)
            if pmd == 0 {
                addr = next
                continue
            }
            if layout.isLeaf(pmd) {
                if addr & (PMD_SIZE - 1) == 0 && next - addr == PMD_SIZE {
                    if vma.isFsDax && config.has(.fsdaxPmdShare),
                       await unshareHugePmdRFC(t, mm: mm, pmdRef, addr) {
                        addr = next
                        continue
                    }
                    await zapHugePmd(t, mm: mm, pmdRef, pmd, addr, &tlb)
                    addr = next
                    continue
                }
                let vmf = VMFault(mm: mm, vma: vma, address: addr, flags: [], pmd: pmdRef)
                await splitHugePmd(t, vmf, reason: "zap_pmd_range(split)")
            }
            await zapPteRange(t, mm: mm, vma: vma, pmdRef, addr, next, &tlb)
            addr = next
        }
    }

    /// Models zap_pte_range() (mm/memory.c).
    private func zapPteRange(_ t: KTask, mm: MMID, vma: VMA, _ pmdRef: EntryRef, _ start: UInt64,
                             _ end: UInt64, _ tlb: inout MMUGather) async {
        let pmd = tables.read(pmdRef.slot, pmdRef.index)
        guard pmd != 0, !layout.isLeaf(pmd), let slot = slotOf(entry: pmd) else { return }
        let ptl = LockID.ptl(slot: slot)
        await lock(t, ptl)
        var addr = start
        while addr < end {
            let ref = EntryRef(slot: slot, index: PageTableLevel.pte.index(addr))
            let pte = tables.read(slot, ref.index)
            if pte != 0 {
                await writeEntry(t, ref, 0, .pte, "ptep_get_and_clear_full")
                tlb.cleared(addr, PAGE_SIZE)
                if layout.isMigration(pte) {
                    // zap_nonpresent_ptes(): the entry's page stays with migration, which
                    // finds the entry gone; only the RSS count goes (anonymous pages only
                    // are migrated).
                    mms[mm].anonPages -= 1
                } else if layout.isPresent(pte), let pfn = vmNormalPage(vma, addr, pte, t) {
                    if identity(pfn).flags.contains(.anon) { mms[mm].anonPages -= 1 } else {
                        mms[mm].filePages -= 1
                    }
                    removePteMapping(t, pfn)
                    tlb.pages.append(pfn)
                }
            }
            addr += PAGE_SIZE
        }
        await unlock(t, ptl)
    }

    /// Models zap_huge_pmd() (mm/huge_memory.c): clear the PMD, free the deposited table
    /// at once (zap_deposited_table → pte_free, under the PMD lock: no walker can reach
    /// it through this PMD, only one that read the PMD before a collapse deposited it),
    /// drop the THP's mapping (not the huge zero page's: it is never freed).
    private func zapHugePmd(_ t: KTask, mm: MMID, _ pmdRef: EntryRef, _ pmd: UInt64, _ addr: UInt64,
                            _ tlb: inout MMUGather) async {
        let ptl = LockID.ptl(slot: pmdRef.slot)
        await lock(t, ptl)
        await writeEntry(t, pmdRef, 0, .pmd, "pmdp_huge_get_and_clear_full")
        tlb.cleared(addr, PMD_SIZE)
        if let deposit = mms[mm].deposited.removeValue(forKey: addr) {
            await freeTable(t, slot: deposit)
        }
        let pfn = layout.pfn(pmd)
        // v6.15+ (DaxInsertion.refcountedFolios): a fs-dax or device-dax PMD is a normal
        // folio mapping, so zap_huge_pmd → vm_normal_folio_pmd reads its struct page.
        // A namespace removed under the mapping took that memmap with it: the read is a
        // use-after-free (the 7.2 guest oopses in vm_normal_folio_pmd there,
        // Tests/oracle/7.2/race-fsdax-unbind-then-munmap). Before, DAX vmas were
        // vma_is_special_huge() and the page was never looked at.
        if config.era.daxInsertion == .refcountedFolios && !layout.isSpecial(pmd)
            && memory.memmap.isRemoved(pfn) {
            report(.useAfterFree, "zap_huge_pmd: vm_normal_folio_pmd: struct page of pfn "
                   + "\(hex(pfn)) was removed", t)
        }
        if !isHugeZero(pfn) && memory.memmap.pfnValid(pfn) && identity(pfn).flags.contains(.anon) {
            withMapcounts(pfn) { $0.entire -= 1 }
            mms[mm].anonPages -= 512
            tlb.pages.append(pfn)
        } else if !isHugeZero(pfn) && memory.memmap.pfnValid(pfn)
            && shape(pfn).flags.contains(.zoneDevice)
                    && mapcounts(pfn).entire > 0 {
            // v6.15+ DAX folio PMD (vmf_insert_folio_pmd): file rmap and reference.
            withMapcounts(pfn) { $0.entire -= 1 }
            mms[mm].filePages -= 512
            tlb.pages.append(pfn)
        }
        await unlock(t, ptl)
    }

    /// Models free_pgtables() → free_pgd_range() (mm/memory.c): page tables that map only
    /// addresses in `[floor, ceiling)` (the gap between the neighbouring vmas; ceiling 0
    /// means the top of user space) and intersect `[start, end)` are unhooked and queued
    /// on the mmu_gather, to be freed after the TLB flush. Only existing tables are
    /// visited.
    func freePgtables(_ t: KTask, mm: MMID, _ start: UInt64, _ end: UInt64, floor: UInt64,
                      ceiling: UInt64, _ tlb: inout MMUGather) async {
        await freeTableLevel(t, slot: mms[mm].pgd, level: .pgd, base: 0, start, end,
                             floor: floor, ceiling: ceiling == 0 ? 1 << 48 : ceiling, &tlb)
    }

    /// One level of free_pgd_range(): frees the lower tables of every entry of table
    /// `slot` (whose entry 0 maps `base`) that lies within the bounds.
    private func freeTableLevel(_ t: KTask, slot: TableSlot, level: PageTableLevel, base: UInt64,
                                _ start: UInt64, _ end: UInt64, floor: UInt64, ceiling: UInt64,
                                _ tlb: inout MMUGather) async {
        let first = start > base ? Int((start - base) >> UInt64(level.shift)) : 0
        let lastAddr = min(end - 1, base + level.size * 512 - 1)
        guard lastAddr >= base else { return }
        let last = Int((lastAddr - base) >> UInt64(level.shift))
        guard first <= last else { return }
        for idx in first...last {
            let e = tables.read(slot, idx)
            guard e != 0, level == .pgd || !layout.isLeaf(e), let child = slotOf(entry: e)
            else { continue }
            let blockStart = base + UInt64(idx) * level.size
            if level != .pmd {
                let lower = PageTableLevel(rawValue: level.rawValue - 1)!
                await freeTableLevel(t, slot: child, level: lower, base: blockStart, start, end,
                                     floor: floor, ceiling: ceiling, &tlb)
            }
            guard blockStart >= floor, blockStart + level.size <= ceiling else { continue }
            let ref = EntryRef(slot: slot, index: idx)
            await lock(t, .ptl(slot: slot))
            await writeEntry(t, ref, 0, level, "free_pgd_range")
            await unlock(t, .ptl(slot: slot))
            tlb.tables.append(child)
        }
    }
}
