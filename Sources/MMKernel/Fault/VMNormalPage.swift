/// vm_normal_page() and vm_normal_page_pmd() (mm/memory.c), per era (§2 of the
/// reference). "Normal" means the struct page behind the entry is refcounted and takes
/// part in rmap; nil means the entry is special: a raw pfn.
extension Kernel {
    /// Highest pfn with a memmap (highest_memmap_pfn): RAM, raised by memremap_pages.
    var highestMemmapPfn: Pfn { max(Kernel.ramEnd - 1, memory.deviceHighestPfn) }

    /// Models vm_normal_page() (mm/memory.c): the page behind a present PTE, or nil for a
    /// special entry. `task` receives the "Bad page map" report (print_bad_pte) if any.
    func vmNormalPage(_ vma: VMA, _ addr: UInt64, _ pte: UInt64, _ task: KTask?) -> Pfn? {
        let pfn = layout.pfn(pte)
        let routine = config.era.normalPageRoutine
        if layout.special != 0 {
            if layout.isSpecial(pte) {
                // 2a: find_special_page — no modelled vm_ops has one (Xen gntdev only).
                // 2b
                if vma.flags.contains(.pfnMap) || vma.flags.contains(.mixedMap) { return nil }
                // 2c
                if pfn == memory.zeroPfn { return nil }
                if routine == .unified && isHugeZero(pfn) { return nil }
                // 2d: v4.15–v6.16 devmap entries are special but fine.
                if (routine == .devmapAware || routine == .devmapAwarePmdSpecial)
                    && layout.isDevmap(pte) {
                    return nil
                }
                // 2e
                printBadPte(task, vma, addr, pte, "special pte in a vma without "
                            + "VM_PFNMAP/VM_MIXEDMAP")
                return nil
            }
        } else if let special = linearityRule(vma, addr, pfn) {
            // 3: no pte_special — the vma decides.
            if special { return nil }
        }
        // 4: check_pfn
        if pfn > highestMemmapPfn {
            printBadPte(task, vma, addr, pte, "pfn above highest_memmap_pfn")
            return nil
        }
        return pfn
    }

    /// Step 3 of vm_normal_page: for VM_MIXEDMAP a pfn without struct page is special; for
    /// VM_PFNMAP an entry is special if it is the original remapped pfn (pfn == vm_pgoff +
    /// page offset) or the vma is not a COW mapping, and normal if it is a COW copy. The
    /// zero pfn is special. Returns nil when the rule does not decide (normal so far).
    private func linearityRule(_ vma: VMA, _ addr: UInt64, _ pfn: Pfn) -> Bool? {
        if vma.flags.contains(.mixedMap) {
            if !memory.memmap.pfnValid(pfn) { return true }
            if config.era.mixedMapRefusesZeroPfn && pfn == memory.zeroPfn { return true }
            return false
        }
        if vma.flags.contains(.pfnMap) {
            let off = (addr - vma.start) >> 12
            if UInt64(pfn.raw) == vma.pgoff &+ off { return true }
            if !vma.flags.isCOW { return true }
            return false
        }
        if pfn == memory.zeroPfn { return true }
        return nil
    }

    /// Models vm_normal_page_pmd() (mm/memory.c): the head page behind a present huge PMD,
    /// or nil for a special one.
    func vmNormalPagePmd(_ vma: VMA, _ addr: UInt64, _ pmd: UInt64, _ task: KTask?) -> Pfn? {
        let pfn = layout.pfn(pmd)
        switch config.era.normalPageRoutine {
        case .unified:
            if layout.pmdIsSpecial(pmd) {
                if vma.flags.contains(.pfnMap) || vma.flags.contains(.mixedMap) { return nil }
                if pfn == memory.zeroPfn || isHugeZero(pfn) { return nil }
                printBadPte(task, vma, addr, pmd, "special pmd in a vma without "
                            + "VM_PFNMAP/VM_MIXEDMAP")
                return nil
            }
        case .devmapAwarePmdSpecial, .devmapAware, .v4_4:
            if layout.pmdIsSpecial(pmd) { return nil }
            // No special bit at PMD level before v6.12: the vma's rule decides.
            if vma.flags.contains(.pfnMap) || vma.flags.contains(.mixedMap),
               let special = linearityRule(vma, addr, pfn), special {
                return nil
            }
            if layout.isDevmap(pmd) { return nil }
            if isHugeZero(pfn) { return nil }
        }
        if pfn > highestMemmapPfn { return nil }
        return pfn
    }

    /// Models print_bad_pte() (mm/memory.c): "BUG: Bad page map", taints the kernel.
    private func printBadPte(_ task: KTask?, _ vma: VMA, _ addr: UInt64, _ e: UInt64,
                             _ why: String) {
        let detail = "print_bad_pte: addr \(hex(addr)) \(layout.describe(e)): \(why)"
        if let task { report(.bugOn, detail, task) } else { report(.bugOn, detail, on: "observer") }
    }

    /// True when `pfn` is inside the huge zero page.
    @inline(__always) func isHugeZero(_ pfn: Pfn) -> Bool {
        guard let zero = memory.hugeZeroPfn else { return false }
        return pfn >= zero && pfn < zero + 512
    }
}
