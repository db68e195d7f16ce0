/// khugepaged's collapse of anonymous small pages into a THP, and MADV_COLLAPSE, which runs
/// the same collapse synchronously (mm/khugepaged.c). The collapse clears the PMD and
/// flushes (pmdp_collapse_flush) before it checks the small pages' refcounts, so a GUP
/// reference taken before the check aborts it (SCAN_PAGE_COUNT); gup-fast walks without
/// locks, so a reference it takes after the check must be caught by gup-fast itself (its
/// PMD re-read, knob `gup_fast_pmd_recheck`) or excluded by an IPI the collapse waits for
/// (the flush itself with `tlb_flush_ipi`, tlb_remove_table_sync_one with
/// `khugepaged_gup_fast_ipi`). Only anonymous vmas are collapsed; file and shmem
/// collapse (collapse_file, retract_page_tables) are not modelled.
extension Kernel {
    /// Models madvise_collapse() (mm/khugepaged.c, "mm/madvise: introduce MADV_COLLAPSE
    /// sync hugepage collapse", Zach O'Keefe, v6.1): every PMD-aligned 2M range inside
    /// `[start, end)` is collapsed; 0 when all of them are PMD-mapped afterwards, else the
    /// last failure's errno (madvise_collapse_errno; SCAN_PAGE_COUNT → -EAGAIN is "mm:
    /// MADV_COLLAPSE: set EAGAIN on unexpected page refcount", in 6.1.y).
    func madviseCollapse(_ t: KTask, mm: MMID, _ start: UInt64, _ end: UInt64) async -> Int {
        await lockShared(t, .mmap(mm: mm))
        let mapped = isFullyMapped(mm: mm, start, end)
        await unlockShared(t, .mmap(mm: mm))
        guard mapped else { return -Errno.ENOMEM }
        return await collapseRange(t, mm: mm, start, end, .madvise)
    }

    /// A harness op: the khugepaged thread scans `[start, end)` of `mm` now
    /// (khugepaged_scan_mm_slot → hpage_collapse_scan_pmd → collapse_huge_page for each
    /// PMD-aligned 2M range), on the calling thread's CPU. khugepaged honours the sysfs
    /// limits (THP enabled for the vma, max_ptes_none 511, max_ptes_shared 256, at least
    /// one young PTE). Returns 0 when every range is PMD-mapped afterwards, else the last
    /// failure mapped as MADV_COLLAPSE maps it (-EAGAIN for a page with extra references).
    public func khugepagedCollapse(_ t: KTask, mm: MMID, _ addr: UInt64, _ length: UInt64) async
        -> Int
    {
        guard addr & (PAGE_SIZE - 1) == 0, userRangeOK(addr, length) else { return -Errno.EINVAL }
        return await collapseRange(t, mm: mm, addr, addr + length, .khugepaged)
    }

    /// The PMD ranges of `[start, end)` one after the other (madvise_collapse's loop).
    private func collapseRange(_ t: KTask, mm: MMID, _ start: UInt64, _ end: UInt64,
                               _ caller: CollapseCaller) async -> Int {
        let hstart = (start + PMD_SIZE - 1) & ~(PMD_SIZE - 1)
        let hend = end & ~(PMD_SIZE - 1)
        var lastFail = CollapseResult.succeed
        var haddr = hstart
        while haddr < hend {
            let r = await collapseScanPmd(t, mm: mm, haddr, caller)
            t.exec.note("\(caller == .madvise ? "madvise_collapse" : "khugepaged") "
                        + "\(hex(haddr)): \(r)")
            switch r {
            case .succeed, .pmdMapped: break
            case .vmaCheck:
                return -Errno.EINVAL
            case .pmdNull, .pageAnon, .pageCount, .pageCompound, .exceedNonePte, .exceedSharedPte,
                 .lackReferenced, .allocFail:
                lastFail = r
            }
            haddr += PMD_SIZE
        }
        return lastFail.errno
    }

    /// Models hugepage_vma_check() with transhuge_vma_suitable() (mm/huge_memory.c) for a
    /// collapse: an anonymous vma covering the whole 2M range, not VM_NOHUGEPAGE nor
    /// special; khugepaged also needs THP enabled for it (sysfs `always`, or
    /// VM_HUGEPAGE), MADV_COLLAPSE ignores the sysfs setting.
    func collapseVMAIndex(mm: MMID, _ haddr: UInt64, _ caller: CollapseCaller) -> Int? {
        guard let i = mms[mm].vmaContaining(haddr) else { return nil }
        let vma = mms[mm].vmas[i]
        guard vma.isAnonymous, !vma.flags.contains(.noHugePage),
              vma.flags.intersection(.special).isEmpty,
              vma.start <= haddr, haddr + PMD_SIZE <= vma.end else { return nil }
        if caller == .khugepaged && !(config.has(.thpAlways) || vma.flags.contains(.hugePage)) {
            return nil
        }
        return i
    }

    /// Models hpage_collapse_scan_pmd() (khugepaged_scan_pmd before v6.1): under
    /// mmap_lock (read) and the PTE lock, every PTE of the range must be none or map an
    /// anonymous small page without extra references; then collapse_huge_page().
    private func collapseScanPmd(_ t: KTask, mm: MMID, _ haddr: UInt64,
                                 _ caller: CollapseCaller) async
        -> CollapseResult
    {
        await lockShared(t, .mmap(mm: mm))
        guard let vi = collapseVMAIndex(mm: mm, haddr, caller) else {
            await unlockShared(t, .mmap(mm: mm))
            return .vmaCheck
        }
        let vma = mms[mm].vmas[vi]
        guard let pmdRef = findEntry(mm: mm, haddr, at: .pmd) else {
            await unlockShared(t, .mmap(mm: mm))
            return .pmdNull
        }
        let pmd = tables.read(pmdRef.slot, pmdRef.index)
        guard pmd != 0 else {
            await unlockShared(t, .mmap(mm: mm))
            return .pmdNull
        }
        if layout.isLeaf(pmd) {
            await unlockShared(t, .mmap(mm: mm))
            return .pmdMapped
        }
        guard let slot = slotOf(entry: pmd) else {
            await unlockShared(t, .mmap(mm: mm))
            return .pmdNull
        }
        await lock(t, .ptl(slot: slot))
        var r = collapseCheckPtes(vma, haddr, slot, caller)
        await unlock(t, .ptl(slot: slot))
        await unlockShared(t, .mmap(mm: mm))
        if r == .succeed { r = await collapseHugePage(t, mm: mm, haddr, caller) }
        return r
    }

    /// The per-PTE rules of hpage_collapse_scan_pmd() and __collapse_huge_page_isolate()
    /// (PTE lock held): none PTEs up to max_ptes_none (khugepaged 511, MADV_COLLAPSE no
    /// limit), only anonymous small pages, shared ones up to max_ptes_shared (khugepaged
    /// 256), and is_refcount_suitable(): page_count() equal to the mapcount, so a GUP
    /// reference or pin fails with SCAN_PAGE_COUNT. khugepaged needs a young PTE.
    /// (PTE-mapped THPs are refused here; the kernel copies them too.)
    func collapseCheckPtes(_ vma: VMA, _ haddr: UInt64, _ slot: TableSlot,
                           _ caller: CollapseCaller) -> CollapseResult
    {
        var none = 0, shared = 0, referenced = 0
        for i in 0..<512 {
            let addr = haddr + UInt64(i) << 12
            let pte = tables.read(slot, i)
            if pte == 0 || (layout.isPresent(pte) && layout.pfn(pte) == memory.zeroPfn) {
                none += 1
                if caller == .khugepaged && none > 511 { return .exceedNonePte }
                continue
            }
            guard layout.isPresent(pte), let pfn = vmNormalPage(vma, addr, pte, nil) else {
                return .pageAnon
            }
            let p = identity(pfn)
            guard p.flags.contains(.anon) else { return .pageAnon }
            guard !p.flags.contains(.head), !p.flags.contains(.tail) else { return .pageCompound }
            let counts = page(pfn)
            if counts.mapcount > 1 {
                shared += 1
                if caller == .khugepaged && shared > 256 { return .exceedSharedPte }
            }
            if counts.refcount != counts.mapcount { return .pageCount }
            if pte & PTEBits.accessed != 0 { referenced += 1 }
        }
        if caller == .khugepaged && referenced == 0 { return .lackReferenced }
        return .succeed
    }
}

/// Who runs a collapse: the two differ only in the sysfs limits they honour.
public enum CollapseCaller: Sendable {
    /// The khugepaged kernel thread (cc->is_khugepaged).
    case khugepaged
    /// madvise(MADV_COLLAPSE).
    case madvise
}

/// The scan results the model produces (enum scan_result, mm/khugepaged.c).
public enum CollapseResult: Sendable, CustomStringConvertible {
    /// SCAN_SUCCEED: collapsed.
    case succeed
    /// SCAN_PMD_MAPPED: already a huge PMD.
    case pmdMapped
    /// SCAN_PMD_NULL: no PTE table.
    case pmdNull
    /// SCAN_VMA_CHECK: the vma may not be collapsed.
    case vmaCheck
    /// SCAN_PAGE_ANON (and SCAN_PAGE_NULL): a PTE maps something else than an anonymous page.
    case pageAnon
    /// SCAN_PAGE_COUNT: a page has references beyond its mappings (GUP).
    case pageCount
    /// SCAN_PAGE_COMPOUND: a PTE-mapped THP (not collapsed by the model).
    case pageCompound
    /// SCAN_EXCEED_NONE_PTE.
    case exceedNonePte
    /// SCAN_EXCEED_SHARED_PTE.
    case exceedSharedPte
    /// SCAN_LACK_REFERENCED_PAGE.
    case lackReferenced
    /// SCAN_ALLOC_HUGE_PAGE_FAIL.
    case allocFail

    /// madvise_collapse_errno() (v6.1 with the 6.1.y fix); 0 for success.
    public var errno: Int {
        switch self {
        case .succeed, .pmdMapped: return 0
        case .allocFail: return -Errno.ENOMEM
        case .pageCount: return -Errno.EAGAIN
        case .pmdNull, .vmaCheck, .pageAnon, .pageCompound, .exceedNonePte, .exceedSharedPte,
             .lackReferenced:
            return -Errno.EINVAL
        }
    }

    public var description: String {
        switch self {
        case .succeed: return "SCAN_SUCCEED"
        case .pmdMapped: return "SCAN_PMD_MAPPED"
        case .pmdNull: return "SCAN_PMD_NULL"
        case .vmaCheck: return "SCAN_VMA_CHECK"
        case .pageAnon: return "SCAN_PAGE_ANON"
        case .pageCount: return "SCAN_PAGE_COUNT"
        case .pageCompound: return "SCAN_PAGE_COMPOUND"
        case .exceedNonePte: return "SCAN_EXCEED_NONE_PTE"
        case .exceedSharedPte: return "SCAN_EXCEED_SHARED_PTE"
        case .lackReferenced: return "SCAN_LACK_REFERENCED_PAGE"
        case .allocFail: return "SCAN_ALLOC_HUGE_PAGE_FAIL"
        }
    }
}
