import MMExplore

/// PUD-level huge faults of DAX vmas (mm/memory.c create_huge_pud, wp_huge_pud,
/// huge_pud_set_accessed; mm/huge_memory.c __split_huge_pud). Only device-dax with a 1G
/// alignment maps at PUD level; fs-dax's ->huge_fault falls back at once.
extension Kernel {
    /// The PUD part of __handle_mm_fault() for a DAX vma: create_huge_pud when the PUD is
    /// none; on a huge PUD, wp_huge_pud for a write to a read-only one (->huge_fault, else
    /// __split_huge_pud and PMD level) or huge_pud_set_accessed. nil: go on at PMD level.
    func daxPudStep(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult? {
        guard let pudRef = await allocWalk(t, mm: vmf.mm, vmf.address, to: .pud) else {
            return .oom
        }
        vmf.pud = pudRef
        let pud = await readEntry(t, pudRef)
        if pud == 0 {
            if vmf.vma.flags.contains(.noHugePage) { return nil }
            let r = await daxHugeFault(t, &vmf, .pud)
            return r == .fallback ? nil : r
        }
        guard layout.isLeaf(pud) else { return nil }
        if vmf.isWrite && !layout.isWrite(pud) {
            if !vmf.vma.flags.intersection([.shared, .mayShare]).isEmpty {
                let r = await daxHugeFault(t, &vmf, .pud)
                if r != .fallback { return r }
            }
            await splitHugePud(t, vmf)
            return nil
        }
        if pud & PTEBits.accessed == 0 {
            await writeEntry(t, pudRef, pud | PTEBits.accessed, .pud, "huge_pud_set_accessed")
        }
        return .done
    }

    /// Models __split_huge_pud() (mm/huge_memory.c): a DAX PUD is cleared and flushed
    /// (pudp_huge_clear_flush); a refcounted folio (v6.15+) loses its mapping and reference.
    private func splitHugePud(_ t: KTask, _ vmf: VMFault) async {
        let ptl = LockID.ptl(slot: vmf.pud.slot)
        await lock(t, ptl)
        let pud = tables.read(vmf.pud.slot, vmf.pud.index)
        guard layout.isLeaf(pud) else {
            await unlock(t, ptl)
            return
        }
        await writeEntry(t, vmf.pud, 0, .pud, "__split_huge_pud")
        await flushTLBRange(t, mm: vmf.mm, vmf.address & ~(PUD_SIZE - 1), PUD_SIZE)
        let pfn = layout.pfn(pud)
        let folio = memory.memmap.pfnValid(pfn) && mapcounts(pfn).entire > 0
        if folio {
            withMapcounts(pfn) { $0.entire -= 1 }
            mms[vmf.mm].filePages -= Int(PUD_SIZE >> 12)
        }
        await unlock(t, ptl)
        if folio { await putPage(t, pfn) }
    }
}
