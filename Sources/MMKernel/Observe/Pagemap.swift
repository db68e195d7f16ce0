/// One /proc/PID/pagemap entry's bits the model reproduces.
public struct PagemapEntry: Hashable, Sendable {
    /// PM_PRESENT (bit 63).
    public var present = false
    /// PM_FILE (bit 61): file page or shared anon.
    public var file = false
    /// PM_MMAP_EXCLUSIVE (bit 56).
    public var exclusive = false
    /// The pfn (bits 0–54), 0 when not present.
    public var pfn = Pfn(0)
}

extension Kernel {
    /// Models pagemap_pmd_range() / pte_to_pagemap_entry() (fs/proc/task_mmu.c). A
    /// VM_PFNMAP vma is a hole (walk_page_test). At PMD level the page is pmd_page(), so
    /// the huge zero page reads as a file page; at PTE level only a page vm_normal_page()
    /// finds sets PM_FILE.
    public func pagemap(mm: MMID, _ addr: UInt64) -> PagemapEntry {
        var out = PagemapEntry()
        guard let vi = mms[mm].vmaContaining(addr) else { return out }
        let vma = mms[mm].vmas[vi]
        if vma.flags.contains(.pfnMap) { return out }
        let w = walkSnapshot(mm: mm, addr)
        var pageFound: Pfn? = nil
        if w.level == .pmd && layout.isLeaf(w.entry) && layout.pmdPresent(w.entry) {
            out.present = true
            out.pfn = layout.pfn(w.entry) + Int((addr & (PMD_SIZE - 1)) >> 12)
            if memory.memmap.pfnValid(out.pfn) { pageFound = out.pfn }
        } else if w.level == .pte && w.entry != 0 && layout.isPresent(w.entry) {
            out.present = true
            out.pfn = layout.pfn(w.entry)
            pageFound = vmNormalPage(vma, addr, w.entry, nil)
        }
        if let pfn = pageFound {
            let p = page(pfn)
            let head = page(compoundHead(pfn))
            if !p.flags.contains(.anon) && !head.flags.contains(.anon) { out.file = true }
            if p.mapcount + head.entireMapcount == 1 { out.exclusive = true }
        }
        return out
    }
}
