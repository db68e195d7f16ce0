/// /proc/PID/smaps of hugetlb vmas (fs/proc/task_mmu.c).
extension Kernel {
    /// Models smap_gather_stats() for a hugetlb vma: the walk's hugetlb_entry
    /// (smaps_hugetlb_range) counts each present huge page into Shared_Hugetlb when
    /// page_mapcount() >= 2, else Private_Hugetlb; nothing goes to Rss, Anonymous or the
    /// PMD counters. A page mapped through a shared PMD table has one entry, so its
    /// mapcount stays 1 and it counts as Private_Hugetlb in every sharer.
    func smapsHugetlb(mm: MMID, _ vma: VMA) -> SmapsEntry {
        var out = SmapsEntry()
        out.vmFlags = vma.flags.mnemonics
        var addr = vma.start
        while addr < vma.end {
            guard let ref = findEntry(mm: mm, addr, at: .pmd) else {
                addr = (addr & ~(PUD_SIZE - 1)) + PUD_SIZE
                continue
            }
            let e = tables.read(ref.slot, ref.index)
            if e != 0 && layout.pmdPresent(e) && memory.memmap.pfnValid(layout.pfn(e)) {
                let p = page(layout.pfn(e))
                if p.mapcount + p.entireMapcount >= 2 { out.sharedHugetlb += 2048 } else {
                    out.privateHugetlb += 2048
                }
            }
            addr += PMD_SIZE
        }
        return out
    }
}
