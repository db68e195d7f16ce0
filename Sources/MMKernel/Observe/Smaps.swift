/// The counters of one vma's /proc/PID/smaps entry the model reproduces, in kB.
public struct SmapsEntry: Hashable, Sendable {
    /// Rss.
    public var rss: UInt64 = 0
    /// Anonymous.
    public var anonymous: UInt64 = 0
    /// AnonHugePages.
    public var anonHugePages: UInt64 = 0
    /// ShmemPmdMapped.
    public var shmemPmdMapped: UInt64 = 0
    /// FilePmdMapped.
    public var filePmdMapped: UInt64 = 0
    /// Shared_Hugetlb (hugetlb vmas: pages with page_mapcount() >= 2).
    public var sharedHugetlb: UInt64 = 0
    /// Private_Hugetlb (hugetlb vmas: the other present huge pages).
    public var privateHugetlb: UInt64 = 0
    /// VmFlags, as printed ("rd wr mr mw me ac sd").
    public var vmFlags: String = ""
}

extension Kernel {
    /// Models show_smap() → smap_gather_stats() (fs/proc/task_mmu.c) for the vma at
    /// index `vmaIndex`: smaps_pte_entry counts a page only where vm_normal_page() finds
    /// one; smaps_pmd_entry skips the huge zero page (follow_trans_huge_pmd with
    /// FOLL_DUMP), counts ZONE_DEVICE pages in Rss only, and sizes a page by its compound
    /// size. VM_PFNMAP vmas are not walked at all (walk_page_test).
    public func smaps(mm: MMID, vmaIndex: Int) -> SmapsEntry {
        let vma = mms[mm].vmas[vmaIndex]
        // Hugetlb/HugetlbSmaps.swift
        if vma.flags.contains(.hugetlb) { return smapsHugetlb(mm: mm, vma) }
        var out = SmapsEntry()
        out.vmFlags = vma.flags.mnemonics
        if vma.flags.contains(.pfnMap) { return out }
        var addr = vma.start
        while addr < vma.end {
            let w = walkSnapshot(mm: mm, addr)
            switch w.level {
            case .pmd where layout.isLeaf(w.entry) && layout.pmdPresent(w.entry):
                smapsPmdEntry(vma, addr, w.entry, &out)
                addr = (addr & ~(PMD_SIZE - 1)) + PMD_SIZE
                continue
            case .pud where layout.isLeaf(w.entry):
                // walk_pud_range() splits a huge PUD (split_huge_pud) before descending:
                // smaps never counts a device-dax PUD.
                addr = (addr & ~(PUD_SIZE - 1)) + PUD_SIZE
                continue
            case .pte where w.entry != 0 && layout.isPresent(w.entry):
                if let pfn = vmNormalPage(vma, addr, w.entry, nil) {
                    out.rss += 4
                    if identity(pfn).flags.contains(.anon) { out.anonymous += 4 }
                }
            case .pmd where w.entry == 0, .pud where w.entry == 0, .pgd where w.entry == 0:
                // A hole above the PTE level maps nothing: skip the whole block.
                addr = (addr & ~(w.level.size - 1)) + w.level.size
                continue
            default:
                break
            }
            addr += PAGE_SIZE
        }
        return out
    }

    /// Models smaps_pmd_entry() + smaps_account() (fs/proc/task_mmu.c); from v6.12 the
    /// page is vm_normal_page_pmd()'s, so devmap PMDs count nothing.
    private func smapsPmdEntry(_ vma: VMA, _ addr: UInt64, _ pmd: UInt64, _ out: inout SmapsEntry) {
        let pfn = layout.pfn(pmd)
        if isHugeZero(pfn) { return }  // follow_trans_huge_pmd(FOLL_DUMP) → -EFAULT
        guard memory.memmap.pfnValid(pfn) else { return }
        if config.era.smapsPmdUsesNormalPage && vmNormalPagePmd(vma, addr, pmd, nil) == nil {
            return
        }
        let p = page(pfn)
        let kb: UInt64 = p.flags.contains(.head) ? (4 << UInt64(p.order)) : 4
        if p.flags.contains(.anon) {
            out.anonHugePages += 2048
            out.anonymous += kb
        } else if p.flags.contains(.swapBacked) {
            out.shmemPmdMapped += 2048
        } else if !p.flags.contains(.zoneDevice) {
            out.filePmdMapped += 2048
        }
        out.rss += kb
    }
}
