import MMExplore

/// Larry Bassel's RFC "Implement sharing/unsharing of PMDs for FS/DAX" (May 2019, not
/// merged; seed 001, reference §8.2), behind the knob `fsdax_pmd_share`. Modelled from
/// the posted patch and the v5.2 hugetlb code it copies: __handle_mm_fault calls
/// pmd_share() instead of pmd_alloc() for fs-dax vmas — huge_pmd_share()'s walk under
/// i_mmap_rwsem (write) with get_page() on the table page — and zap_huge_pmd() first
/// tries unshare_huge_pmd(): under the PMD table's PT lock only, if page_count() > 1,
/// pud_clear() and put_page(). Nothing holds i_mmap_rwsem there, which is what Kirill
/// Shutemov objected to ("You don't have proper locking in place to do this"), and no
/// flush covers the PUD range.
extension Kernel {
    /// __handle_mm_fault's PMD allocation: pmd_alloc(), or with `fsdax_pmd_share` on an
    /// fs-dax vma, pmd_share(). Records the table page the walk found so the fault can
    /// tell whether it was freed before the fault used it.
    func pmdAllocMaybeShared(_ t: KTask, _ vmf: inout VMFault) async -> EntryRef? {
        guard config.has(.fsdaxPmdShare), case .fsDax(let inode) = vmf.vma.backing else {
            return await allocWalk(t, mm: vmf.mm, vmf.address, to: .pmd)
        }
        guard let pud = await allocWalk(t, mm: vmf.mm, vmf.address, to: .pud) else { return nil }
        var ref: EntryRef?
        if fsdaxVmaShareable(vmf.vma, vmf.address), await readEntry(t, pud) == 0 {
            ref = await pmdShareRFC(t, vmf, pud: pud, inode: inode)
        } else {
            ref = await allocWalk(t, mm: vmf.mm, vmf.address, to: .pmd)
        }
        guard let ref else { return nil }
        vmf.sharedTablePfn = tables.pfn(ofSlot: ref.slot)
        return ref
    }

    /// The RFC's vma_shareable() for an fs-dax vma: VM_MAYSHARE and the aligned 1G range
    /// inside the vma.
    private func fsdaxVmaShareable(_ vma: VMA, _ addr: UInt64) -> Bool {
        let base = addr & ~(PUD_SIZE - 1)
        return vma.flags.contains(.mayShare) && base >= vma.start && base + PUD_SIZE <= vma.end
    }

    /// Models the RFC's pmd_share(): v5.2's huge_pmd_share() for fs-dax — i_mmap_rwsem
    /// for write around the walk of the file's mappings, get_page() on the first
    /// shareable table, pud_populate() under that table's PT lock (or put_page() if our
    /// PUD got populated meanwhile), then pmd_alloc().
    private func pmdShareRFC(_ t: KTask, _ vmf: VMFault, pud: EntryRef,
                             inode: InodeID) async -> EntryRef? {
        await lock(t, .iMmap(inode: inode))
        let idx = vmf.vma.pageIndex(vmf.address)
        for (smm, svma) in await iMmapVMAs(t, vmf.vma.backing, idx: idx,
                                           skip: (vmf.mm, vmf.vma.start)) {
            guard fsdaxVmaShareable(svma, ((idx - svma.pgoff) << 12) + svma.start),
                  let saddr = pageTableShareable(svma, vmf.vma, vmf.address, idx),
                  let spte = await hugePteOffset(t, mm: smm, saddr) else { continue }
            let tablePfn = tables.pfn(ofSlot: spte.slot)
            await getPage(t, tablePfn)
            let ptl = LockID.ptl(slot: spte.slot)
            await lock(t, ptl)
            if await readEntry(t, pud) == 0 {
                await writeEntry(t, pud, layout.make(pfn: tablePfn, prot: PTEBits.table), .pud,
                                 "pmd_share: pud_populate")
                t.exec.note("pmd_share: mm\(vmf.mm) shares mm\(smm)'s PMD table pfn "
                            + "\(hex(tablePfn))")
            } else {
                await putPage(t, tablePfn)
            }
            await unlock(t, ptl)
            break
        }
        let ref = await allocWalk(t, mm: vmf.mm, vmf.address, to: .pmd)
        await unlock(t, .iMmap(inode: inode))
        return ref
    }

    /// Models the RFC's unshare_huge_pmd() at the top of zap_huge_pmd(): under the PMD
    /// table's PT lock only, a table whose page_count() is above 1 is shared: clear our
    /// PUD, put_page() the table, and report the PMD handled without zapping it. True
    /// when it unshared.
    func unshareHugePmdRFC(_ t: KTask, mm: MMID, _ pmdRef: EntryRef,
                           _ addr: UInt64) async -> Bool {
        let ptl = LockID.ptl(slot: pmdRef.slot)
        await lock(t, ptl)
        let pfn = tables.pfn(ofSlot: pmdRef.slot)
        await t.step()
        guard page(pfn).refcount > 1, let pud = findEntry(mm: mm, addr, at: .pud) else {
            await unlock(t, ptl)
            return false
        }
        await writeEntry(t, pud, 0, .pud, "unshare_huge_pmd: pud_clear (no i_mmap_rwsem)")
        await putPage(t, pfn)
        await unlock(t, ptl)
        return true
    }
}
