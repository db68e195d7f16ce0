/// munmap and the vma surgery it needs (mm/mmap.c).
extension Kernel {
    /// Models __split_vma() at both ends of `[start, end)` so that every vma is either
    /// fully inside or fully outside the range. Returns the indices inside.
    func splitVMAs(mm: MMID, _ start: UInt64, _ end: UInt64) -> Range<Int> {
        let m = mms[mm]
        var i = 0
        while i < m.vmas.count {
            var v = m.vmas[i]
            for cut in [start, end] where v.start < cut && cut < v.end {
                var tail = v
                tail.start = cut
                if case .anon = v.backing {} else { tail.pgoff = v.pgoff + ((cut - v.start) >> 12) }
                v.end = cut
                m.vmas[i] = v
                m.vmas.insert(tail, at: i + 1)
                break
            }
            i += 1
        }
        let lo = m.vmas.firstIndex(where: { $0.end > start }) ?? m.vmas.count
        var hi = lo
        while hi < m.vmas.count && m.vmas[hi].start < end { hi += 1 }
        return lo..<hi
    }

    /// Models do_munmap() → unmap_region() (mm/mmap.c): zap, free the page tables only
    /// this range used, flush, free. Returns 0 or -errno.
    public func munmap(_ t: KTask, mm: MMID, _ addr: UInt64, _ length: UInt64) async -> Int {
        guard addr & (PAGE_SIZE - 1) == 0, length > 0, userRangeOK(addr, length) else {
            return -Errno.EINVAL
        }
        let len = (length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        let end = addr + len
        await lock(t, .mmap(mm: mm))
        await t.step()
        let range = splitVMAs(mm: mm, addr, end)
        var tlb = MMUGather(mm: mm)
        mms[mm].tlbFlushPending += 1  // tlb_gather_mmu → inc_tlb_flush_pending
        for i in range {
            let v = mms[mm].vmas[i]
            await zapRange(t, mm: mm, vma: v, v.start, v.end, &tlb)
            await tlbEndVMA(t, &tlb, vma: v)
        }
        let floor = range.lowerBound > 0 ? mms[mm].vmas[range.lowerBound - 1].end : 0
        let ceiling = range.upperBound < mms[mm].vmas.count
            ? mms[mm].vmas[range.upperBound].start : 0
        let closed = Array(mms[mm].vmas[range])
        await unlinkSharedFileVMAs(t, mm: mm, range)  // Hugetlb/PmdShareUnlink.swift
        await freePgtables(t, mm: mm, addr, end, floor: floor, ceiling: ceiling, &tlb)
        await tlbFlushMMU(t, &tlb)
        mms[mm].tlbFlushPending -= 1  // tlb_finish_mmu → dec_tlb_flush_pending
        await driverVMAsClosed(t, closed)  // remove_vma(): vm_ops->close
        await unlock(t, .mmap(mm: mm))
        return 0
    }

    /// Models exit_mmap() (mm/mmap.c): the whole address space is unmapped and every page
    /// table, the PGD included, freed.
    public func exitMMap(_ t: KTask, mm: MMID) async {
        guard !mms[mm].exited else { return }
        await lock(t, .mmap(mm: mm))
        var tlb = MMUGather(mm: mm)
        for v in mms[mm].vmas { await zapRange(t, mm: mm, vma: v, v.start, v.end, &tlb) }
        let closed = mms[mm].vmas
        await unlinkSharedFileVMAs(t, mm: mm, mms[mm].vmas.indices)  // Hugetlb/PmdShareUnlink.swift
        await freePgtables(t, mm: mm, 0, 1 << 47, floor: 0, ceiling: 0, &tlb)
        await tlbFlushMMU(t, &tlb)
        await freeTable(t, slot: mms[mm].pgd)
        mms[mm].exited = true
        await driverVMAsClosed(t, closed)  // remove_vma(): vm_ops->close
        await unlock(t, .mmap(mm: mm))
    }
}
