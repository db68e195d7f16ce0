/// mremap(2) moving a range to a fixed address: mremap_to() → move_vma() →
/// move_page_tables() → move_ptes() (mm/mremap.c).
extension Kernel {
    /// Models mremap(old, len, len, MREMAP_MAYMOVE|MREMAP_FIXED, new) (mm/mremap.c) for a
    /// range inside one anonymous or page-cache file vma, to an unmapped range: copy_vma()
    /// puts a copy of the vma at `new` (a file vma joins i_mmap), move_page_tables() moves
    /// the entries (huge PMDs are split first), then the old range is unmapped. Returns
    /// the new address, or -EINVAL (misaligned, overlapping, the target not free, or a
    /// special, hugetlb or DAX vma, which the model does not move) or -EFAULT (unmapped).
    public func mremap(_ t: KTask, mm: MMID, _ old: UInt64, _ len: UInt64, to new: UInt64) async
        -> Int64
    {
        let len = (len + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
        guard old & (PAGE_SIZE - 1) == 0, new & (PAGE_SIZE - 1) == 0, len > 0,
              userRangeOK(old, len), userRangeOK(new, len),
              new + len <= old || old + len <= new else { return -Int64(Errno.EINVAL) }
        await lock(t, .mmap(mm: mm))
        guard let vi = mms[mm].vmaContaining(old), mms[mm].vmas[vi].end >= old + len else {
            await unlock(t, .mmap(mm: mm))
            return -Int64(Errno.EFAULT)
        }
        let v = mms[mm].vmas[vi]
        let movable: Bool
        switch v.backing {
        case .anon, .file: movable = v.flags.intersection([.pfnMap, .mixedMap, .hugetlb]).isEmpty
        default: movable = false
        }
        guard movable,
              !mms[mm].vmas.contains(where: { $0.start < new + len && $0.end > new }) else {
            await unlock(t, .mmap(mm: mm))
            return -Int64(Errno.EINVAL)
        }
        await t.step()
        // copy_vma(): the new vma, sorted into the tree.
        let range = splitVMAs(mm: mm, old, old + len)
        var nv = mms[mm].vmas[range.lowerBound]
        nv.start = new
        nv.end = new + len
        let at = mms[mm].vmas.firstIndex(where: { $0.start > new }) ?? mms[mm].vmas.count
        mms[mm].vmas.insert(nv, at: at)
        await movePageTables(t, mm: mm, from: mms[mm].vmas[mms[mm].vmaContaining(old)!],
                             to: nv, old, len)
        // do_munmap() of the old range: its entries are gone; free its tables and the vma.
        let oldRange = splitVMAs(mm: mm, old, old + len)
        var tlb = MMUGather(mm: mm)
        mms[mm].tlbFlushPending += 1
        let floor = oldRange.lowerBound > 0 ? mms[mm].vmas[oldRange.lowerBound - 1].end : 0
        let ceiling = oldRange.upperBound < mms[mm].vmas.count
            ? mms[mm].vmas[oldRange.upperBound].start : 0
        mms[mm].vmas.removeSubrange(oldRange)
        await freePgtables(t, mm: mm, old, old + len, floor: floor, ceiling: ceiling, &tlb)
        await tlbFlushMMU(t, &tlb)
        mms[mm].tlbFlushPending -= 1
        await unlock(t, .mmap(mm: mm))
        return Int64(bitPattern: new)
    }

    /// Models move_page_tables() → move_ptes() (mm/mremap.c): for each PMD extent of the
    /// old range, with the old and then the new PTL held, each entry is cleared at the old
    /// address and set at the new one. With `mremap_flush_under_ptl` a present entry
    /// forces flush_tlb_range() of the old extent before the PTLs are dropped; without it
    /// the old range is flushed once at the end (need_flush), after the locks are gone.
    private func movePageTables(_ t: KTask, mm: MMID, from ov: VMA, to nv: VMA, _ old: UInt64,
                                _ len: UInt64) async {
        var needFlush = false
        var off: UInt64 = 0
        while off < len {
            let addr = old + off
            let extent = min((addr & ~(PMD_SIZE - 1)) + PMD_SIZE - addr, len - off,
                             ((new(nv, addr, old) & ~(PMD_SIZE - 1)) + PMD_SIZE)
                                 - new(nv, addr, old))
            defer { off += extent }
            guard let oldPmd = findEntry(mm: mm, addr, at: .pmd) else { continue }
            if layout.isLeaf(tables.read(oldPmd.slot, oldPmd.index)) {
                let vmf = VMFault(mm: mm, vma: ov, address: addr, flags: [], pmd: oldPmd)
                await splitHugePmd(t, vmf, reason: "move_page_tables(split)")
            }
            let pmd = tables.read(oldPmd.slot, oldPmd.index)
            guard pmd != 0, !layout.isLeaf(pmd), let oldSlot = slotOf(entry: pmd) else { continue }
            let newAddr = new(nv, addr, old)
            guard let newPmd = await allocWalk(t, mm: mm, newAddr, to: .pmd),
                  let firstNew = await pteAlloc(t, VMFault(mm: mm, vma: nv, address: newAddr,
                                                           flags: [], pmd: newPmd))
            else { return }
            let oldPtl = LockID.ptl(slot: oldSlot)
            let newPtl = LockID.ptl(slot: firstNew.slot)
            await lock(t, oldPtl)
            if newPtl != oldPtl { await lock(t, newPtl) }  // spin_lock_nested
            var present = false
            var a: UInt64 = 0
            while a < extent {
                let sref = EntryRef(slot: oldSlot, index: PageTableLevel.pte.index(addr + a))
                let pte = tables.read(oldSlot, sref.index)
                if pte != 0 {
                    if layout.isPresent(pte) { present = true }
                    let dref = EntryRef(slot: firstNew.slot,
                                        index: PageTableLevel.pte.index(newAddr + a))
                    await writeEntry(t, sref, 0, .pte, "ptep_get_and_clear(move_ptes)")
                    await writeEntry(t, dref, pte, .pte, "set_pte_at(move_ptes)")
                }
                a += PAGE_SIZE
            }
            if present && config.has(.mremapFlushUnderPtl) {
                await flushTLBRange(t, mm: mm, addr, extent)  // force_flush, under both PTLs
            } else if present {
                needFlush = true
            }
            if newPtl != oldPtl { await unlock(t, newPtl) }
            await unlock(t, oldPtl)
        }
        if needFlush {
            t.exec.note("move_page_tables: flush_tlb_range of the old range after the PTLs")
            await flushTLBRange(t, mm: mm, old, len)
        }
    }

    /// The address in the new vma of `addr` in the old range starting at `old`.
    private func new(_ nv: VMA, _ addr: UInt64, _ old: UInt64) -> UInt64 { nv.start + (addr - old) }
}
