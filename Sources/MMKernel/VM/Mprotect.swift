/// Protection changes (mm/mprotect.c).
extension Kernel {
    /// Models do_mprotect_pkey() → mprotect_fixup() → change_protection()
    /// (mm/mprotect.c). Returns 0 or -errno (-ENOMEM if part of the range is unmapped).
    public func mprotect(_ t: KTask, mm: MMID, _ addr: UInt64, _ length: UInt64, read: Bool,
                         write: Bool, exec: Bool) async -> Int {
        guard addr & (PAGE_SIZE - 1) == 0 else { return -Errno.EINVAL }
        guard userRangeOK(addr, length) else { return -Errno.ENOMEM }
        let end = addr + ((length + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
        await lock(t, .mmap(mm: mm))
        guard isFullyMapped(mm: mm, addr, end) else {
            await unlock(t, .mmap(mm: mm))
            return -Errno.ENOMEM
        }
        await t.step()
        let range = splitVMAs(mm: mm, addr, end)
        for i in range {
            var v = mms[mm].vmas[i]
            v.flags.remove([.read, .write, .exec])
            if read { v.flags.insert(.read) }
            if write { v.flags.insert(.write) }
            if exec { v.flags.insert(.exec) }
            if write && !v.flags.contains(.shared) { v.flags.insert(.account) }
            mms[mm].vmas[i] = v
            if v.flags.contains(.hugetlb) {
                await hugetlbChangeProtection(t, mm: mm, vma: v)  // Hugetlb/HugetlbUnmap.swift
            } else {
                await changeProtection(t, mm: mm, vma: v)
            }
        }
        await flushTLBRange(t, mm: mm, addr, end - addr)
        await unlock(t, .mmap(mm: mm))
        return 0
    }

    /// True when `[start, end)` is covered by vmas without a gap.
    func isFullyMapped(mm: MMID, _ start: UInt64, _ end: UInt64) -> Bool {
        var cur = start
        for v in mms[mm].vmas where v.end > cur && v.start < end {
            if v.start > cur { return false }
            cur = v.end
            if cur >= end { return true }
        }
        return cur >= end
    }

    /// Models change_protection() → change_pte_range()/change_huge_pmd(): present
    /// entries take the vma's new protection; write permission is only ever removed here
    /// (a later write fault grants it), PROT_NONE makes entries PROTNONE.
    private func changeProtection(_ t: KTask, mm: MMID, vma: VMA) async {
        let prot = vma.pageProt
        var addr = vma.start
        while addr < vma.end {
            guard let pmdRef = findEntry(mm: mm, addr, at: .pmd) else {
                addr = (addr & ~(PMD_SIZE - 1)) + PMD_SIZE
                continue
            }
            let pmd = tables.read(pmdRef.slot, pmdRef.index)
            if layout.isLeaf(pmd) {
                let e = reprotect(pmd, prot, writable: vma.flags.contains(.write)) | PTEBits.pse
                if e != pmd {
                    await lock(t, .ptl(slot: pmdRef.slot))
                    await writeEntry(t, pmdRef, e, .pmd, "change_huge_pmd")
                    await unlock(t, .ptl(slot: pmdRef.slot))
                }
                addr = (addr & ~(PMD_SIZE - 1)) + PMD_SIZE
                continue
            }
            if pmd != 0, let slot = slotOf(entry: pmd) {
                let ref = EntryRef(slot: slot, index: PageTableLevel.pte.index(addr))
                let pte = tables.read(slot, ref.index)
                if pte != 0 && layout.isPresent(pte) {
                    let e = reprotect(pte, prot, writable: vma.flags.contains(.write))
                    if e != pte {
                        await lock(t, .ptl(slot: slot))
                        await writeEntry(t, ref, e, .pte, "change_pte_range")
                        await unlock(t, .ptl(slot: slot))
                    }
                }
            }
            addr += PAGE_SIZE
        }
    }

    /// The entry `e` with the protection bits of `prot`, keeping pfn, special/devmap,
    /// accessed/dirty, and RW only if it had it and the vma is still writable.
    func reprotect(_ e: UInt64, _ prot: UInt64, writable: Bool) -> UInt64 {
        let pfnAndSoft = e & (PTEBits.pfnMask | PTEBits.special | layout.devmap | PTEBits.dirty
                              | PTEBits.accessed | PTEBits.softDirty)
        if prot & PTEBits.present == 0 { return pfnAndSoft | PTEBits.protnone }
        var out = pfnAndSoft | (prot & ~PTEBits.rw)
        if e & PTEBits.rw != 0 && writable {
            out |= PTEBits.rw
        }
        return out
    }
}
