/// Fault-around: a read fault on a page-cache file also maps the neighbouring pages that
/// are already uptodate in the cache (mm/memory.c do_fault_around, mm/filemap.c
/// filemap_map_pages), so one fault can make a whole 64K window present.
extension Kernel {
    /// fault_around_bytes at its default, 64K, in pages (mm/memory.c).
    static let faultAroundPages: UInt64 = 16

    /// Models do_fault_around() (mm/memory.c) → filemap_map_pages() (mm/filemap.c): the
    /// window is 16 pages from the fault_around_bytes-aligned virtual address below the
    /// fault, or from vm_start if that is higher, cut at the vma's end, the PTE table's
    /// end and EOF; every page of it that is cached, uptodate and not the readahead
    /// marker, and whose PTE is none, is mapped read-only with a reference and a mapcount.
    /// Returns .done when the faulting page itself was mapped (VM_FAULT_NOPAGE), .oom
    /// when no PTE table could be allocated, nil when the fault must go on to ->fault.
    func doFaultAround(_ t: KTask, _ vmf: VMFault, inode: InodeID) async -> FaultResult? {
        let vma = vmf.vma
        let window = Kernel.faultAroundPages * PAGE_SIZE
        let pmdEnd = (vmf.address & ~(PMD_SIZE - 1)) + PMD_SIZE
        let start = max(vmf.address & ~(window - 1), vma.start)
        var end = min(start + window, vma.end, pmdEnd)
        // filemap_map_pages(): nothing at or beyond EOF.
        let filePages = UInt64(files.inodes[inode].pages)
        end = min(end, vma.start + (filePages - min(vma.pgoff, filePages)) << 12)
        guard start < end else { return nil }
        guard let ref = await pteAlloc(t, vmf) else { return .oom }
        await t.step()  // the RCU walk of i_pages
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        let faultPage = vmf.address & ~(PAGE_SIZE - 1)
        var mappedFault = false
        var addr = start
        while addr < end {
            defer { addr += PAGE_SIZE }
            // next_uptodate_page(): uptodate pages only, and not the readahead marker.
            guard let pfn = files.inodes[inode].cached(Int(vma.pageIndex(addr))),
                  identity(pfn).flags.contains(.uptodate),
                  !identity(pfn).flags.contains(.readahead) else { continue }
            let pte = EntryRef(slot: ref.slot,
                               index: ref.index + (Int(addr >> 12) - Int(faultPage >> 12)))
            guard tables.read(pte.slot, pte.index) == 0 else { continue }
            await getPage(t, pfn)
            addPteMapping(t, pfn)
            mms[vmf.mm].filePages += 1
            let entry = layout.make(pfn: pfn, prot: vma.pageProt & ~PTEBits.rw)
            await writeEntry(t, pte, entry, .pte, "filemap_map_pages")
            if addr == faultPage { mappedFault = true }
        }
        await unlock(t, ptl)
        return mappedFault ? .done : nil
    }
}
