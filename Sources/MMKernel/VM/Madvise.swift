/// madvise advice the model knows.
public enum MadviseAdvice: String, Hashable, Sendable {
    /// MADV_DONTNEED.
    case dontneed
    /// MADV_HUGEPAGE.
    case hugepage
    /// MADV_NOHUGEPAGE.
    case nohugepage
    /// MADV_POPULATE_READ (v5.14+).
    case populateRead = "populate_read"
    /// MADV_POPULATE_WRITE (v5.14+).
    case populateWrite = "populate_write"
    /// MADV_FREE (v4.5+): anonymous pages become lazy-free (VM/LazyFree.swift).
    case free
    /// MADV_PAGEOUT (v5.4+): reclaim the range's pages now (VM/LazyFree.swift).
    case pageout
    /// MADV_COLLAPSE (v6.1+): collapse the range's small pages into THPs now
    /// (VM/Khugepaged.swift).
    case collapse
}

extension Kernel {
    /// Models do_madvise() (mm/madvise.c). Returns 0 or -errno: -EINVAL for a misaligned
    /// start or advice the era does not know, -ENOMEM when part of the range is unmapped.
    public func madvise(_ t: KTask, mm: MMID, _ addr: UInt64, _ length: UInt64,
                        _ advice: MadviseAdvice) async -> Int {
        guard addr & (PAGE_SIZE - 1) == 0 else { return -Errno.EINVAL }
        guard userRangeOK(addr, length) else { return -Errno.ENOMEM }
        let end = addr + ((length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
        switch advice {
        case .populateRead, .populateWrite:
            // MADV_POPULATE_* arrived in v5.14 ("mm/madvise: introduce
            // MADV_POPULATE_(READ|WRITE) to prefault page tables", David Hildenbrand).
            guard config.era >= .v6_1 else { return -Errno.EINVAL }
            return await madvisePopulate(t, mm: mm, addr, end, write: advice == .populateWrite)
        case .free:
            // "mm: support madvise(MADV_FREE)" (Minchan Kim, v4.5).
            guard config.era >= .v5_2 else { return -Errno.EINVAL }
        case .pageout:
            // "mm: introduce MADV_PAGEOUT" (Minchan Kim, v5.4).
            guard config.era >= .v5_10 else { return -Errno.EINVAL }
        case .collapse:
            // "mm/madvise: introduce MADV_COLLAPSE sync hugepage collapse" (Zach O'Keefe,
            // v6.1); madvise_collapse() takes and drops mmap_lock itself.
            guard config.era >= .v6_1 else { return -Errno.EINVAL }
            return await madviseCollapse(t, mm: mm, addr, end)
        case .dontneed, .hugepage, .nohugepage:
            break
        }
        // madvise_need_mmap_write(): DONTNEED runs under mmap_lock held for read, the
        // advice that changes vm_flags (HUGEPAGE/NOHUGEPAGE) under it held for write.
        let shared = advice == .dontneed || advice == .free || advice == .pageout
        if shared { await lockShared(t, .mmap(mm: mm)) } else { await lock(t, .mmap(mm: mm)) }
        guard isFullyMapped(mm: mm, addr, end) else {
            if shared {
                await unlockShared(t, .mmap(mm: mm))
            } else {
                await unlock(t, .mmap(mm: mm))
            }
            return -Errno.ENOMEM
        }
        var result = 0
        switch advice {
        case .dontneed:
            // madvise_dontneed_free_valid_vma(): not for VM_LOCKED|VM_PFNMAP|VM_HUGETLB.
            var tlb = MMUGather(mm: mm)
            for v in mms[mm].vmas where v.start < end && v.end > addr {
                if !v.flags.intersection([.locked, .pfnMap, .hugetlb]).isEmpty {
                    result = -Errno.EINVAL
                    break
                }
                await zapRange(t, mm: mm, vma: v, max(v.start, addr), min(v.end, end), &tlb)
            }
            await tlbFlushMMU(t, &tlb)
        case .free, .pageout:
            // madvise_free_single_vma(): anonymous vmas only (-EINVAL otherwise);
            // madvise_pageout(): any vma, but only anonymous pages are reclaimable here.
            for v in mms[mm].vmas where v.start < end && v.end > addr {
                let lo = max(v.start, addr), hi = min(v.end, end)
                if advice == .free {
                    guard v.isAnonymous, v.flags.intersection([.locked, .pfnMap, .hugetlb]).isEmpty
                    else {
                        result = -Errno.EINVAL
                        break
                    }
                    await madviseFreeRange(t, mm: mm, vma: v, lo, hi)
                } else if v.isAnonymous
                    && v.flags.intersection([.locked, .pfnMap, .hugetlb]).isEmpty {
                    await madvisePageoutRange(t, mm: mm, vma: v, lo, hi)
                }
            }
        case .hugepage, .nohugepage:
            // hugepage_madvise() (mm/khugepaged.c); splits the vmas at the range ends.
            await t.step()
            for i in splitVMAs(mm: mm, addr, end) {
                if advice == .hugepage {
                    mms[mm].vmas[i].flags.remove(.noHugePage)
                    mms[mm].vmas[i].flags.insert(.hugePage)
                } else {
                    mms[mm].vmas[i].flags.remove(.hugePage)
                    mms[mm].vmas[i].flags.insert(.noHugePage)
                }
            }
        case .populateRead, .populateWrite, .collapse:
            break
        }
        if shared { await unlockShared(t, .mmap(mm: mm)) } else { await unlock(t, .mmap(mm: mm)) }
        return result
    }
}
