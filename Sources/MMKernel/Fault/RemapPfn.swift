/// remap_pfn_range() (mm/memory.c, §3.2 of the reference).
extension Kernel {
    /// Models remap_pfn_range(): marks the vma VM_IO|VM_PFNMAP|VM_DONTEXPAND|VM_DONTDUMP
    /// (+VM_PAT from track_pfn_remap in eras that have it), sets vm_pgoff to the pfn for a COW
    /// mapping (the linearity rule depends on it), inserts the vma and writes one special PTE per
    /// page. A PTE that is not none is the kernel's BUG_ON(!pte_none(*pte)).
    func remapPfnRange(_ t: KTask, mm: MMID, _ vma: inout VMA, pfn: Pfn) async -> Int {
        vma.flags.formUnion([.io, .pfnMap, .dontExpand, .dontDump])
        if config.era.remapSetsVmPat { vma.flags.insert(.pat) }
        vma.pgoff = UInt64(pfn.raw)
        mms[mm].insert(vma)
        let prot = vma.pageProt
        var addr = vma.start
        var p = pfn
        while addr < vma.end {
            var vmf = VMFault(mm: mm, vma: vma, address: addr, flags: [])
            guard let pmdRef = await allocWalk(t, mm: mm, addr, to: .pmd) else {
                return -Errno.ENOMEM
            }
            vmf.pmd = pmdRef
            guard let ref = await pteAlloc(t, vmf) else { return -Errno.ENOMEM }
            let ptl = LockID.ptl(slot: ref.slot)
            await lock(t, ptl)
            if tables.read(ref.slot, ref.index) != 0 {
                report(.bugOn, "remap_pte_range: BUG_ON(!pte_none) at \(hex(addr))", t)
                await unlock(t, ptl)
                return -Errno.EINVAL
            }
            await writeEntry(t, ref, layout.mkSpecial(layout.make(pfn: p, prot: prot)), .pte,
                             "remap_pte_range")
            await unlock(t, ptl)
            addr += PAGE_SIZE
            p += 1
        }
        return 0
    }
}
