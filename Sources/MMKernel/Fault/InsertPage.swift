/// vm_insert_page() (mm/memory.c): a driver maps one of its own struct pages into a
/// user vma, usually from its mmap handler.
extension Kernel {
    /// Models vm_insert_page() (mm/memory.c): the address must lie in the vma (-EFAULT)
    /// and the page must have a reference (page_count 0 is -EINVAL). A vma without
    /// VM_MIXEDMAP gets it — BUG_ON(vma->vm_flags & VM_PFNMAP) first — and the caller
    /// must hold mmap_lock for write (mmap does). Then insert_page(): a normal,
    /// refcounted, rmapped PTE (get_page, file rmap, MM_FILEPAGES); -EBUSY when a PTE is
    /// already there, -EINVAL for anon or page-table pages. Returns 0 or -errno.
    func vmInsertPage(_ t: KTask, mm: MMID, _ vma: inout VMA, _ addr: UInt64,
                      pfn: Pfn) async -> Int {
        guard addr >= vma.start && addr < vma.end else { return -Errno.EFAULT }
        guard checkRefTarget(t, pfn, "vm_insert_page") else { return -Errno.EINVAL }
        await t.step()
        if page(compoundHead(pfn)).refcount == 0 { return -Errno.EINVAL }
        if !vma.flags.contains(.mixedMap) {
            if bugOn(vma.flags.contains(.pfnMap), "vm_insert_page: BUG_ON(vma->vm_flags & "
                     + "VM_PFNMAP) at \(hex(addr))", t) {
                return -Errno.EINVAL
            }
            vma.flags.insert(.mixedMap)
        }
        let vmf = VMFault(mm: mm, vma: vma, address: addr, flags: [])
        return await insertPage(t, vmf, addr, pfn, mkwrite: false)
    }
}
