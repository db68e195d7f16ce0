/// The page cache and file faults (mm/filemap.c, mm/memory.c do_fault paths).
extension Kernel {
    /// Models filemap_fault() (mm/filemap.c): the page-cache page of `index`, read in
    /// from the device if absent; returned with a reference for the caller. nil with
    /// SIGBUS beyond EOF, OOM when no frame is left.
    func filemapFault(_ t: KTask, inode: Int, index: Int) async -> (pfn: Int?, FaultResult) {
        guard index < inodes[inode].pages else { return (nil, .sigbus) }
        await t.step(Obj.pageCache(inode), .write)
        var pfn = Int(inodes[inode].cache[index])
        if pfn < 0 {
            // page_cache_ra/read_pages: a new page, uptodate after the read; the page
            // cache holds the allocation's reference.
            guard let newPfn = await allocPages(t) else { return (nil, .oom) }
            withPage(newPfn) {
                $0.flags.formUnion([.pageCache, .uptodate])
                $0.inode = Int32(inode)
                $0.index = UInt32(index)
            }
            inodes[inode].cache[index] = Int32(newPfn)
            for (off, v) in storedWords(.file(inode), UInt64(index) << 12, PAGE_SIZE) {
                writePhys(UInt64(newPfn) << 12 | (off & 0xfff), v)
            }
            pfn = newPfn
        }
        await getPage(t, pfn)
        return (pfn, .done)
    }

    /// Models do_fault() (mm/memory.c): read, COW or shared fault of a file vma.
    func doFault(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult {
        if case .dmabuf(let bo) = vmf.vma.backing { return await ttmBoVmFault(t, &vmf, bo: bo) }
        if vmf.vma.isDax { return await daxFault(t, &vmf) }  // Fault/DaxFault.swift
        guard case .file(let inode) = vmf.vma.backing else {
            // /dev/mem vmas are fully populated by remap_pfn_range: no ->fault.
            return .sigbus
        }
        let index = Int(vmf.vma.pageIndex(vmf.address))
        let (got, r) = await filemapFault(t, inode: inode, index: index)
        guard let pfn = got else { return r }
        if vmf.isWrite && !vmf.vma.flags.contains(.shared) {
            // do_cow_fault(): copy into a private anonymous page.
            guard let newPfn = await allocPages(t) else {
                await putPage(t, pfn)
                return .oom
            }
            copyFrameData(from: pfn, to: newPfn)
            await putPage(t, pfn)
            mms[vmf.mm].vmas[vmaIndex(vmf)].hasAnonVMA = true
            return await finishFault(t, vmf, pfn: newPfn, anon: true)
        }
        if vmf.isWrite { withPage(pfn) { $0.flags.insert(.dirty) } }  // do_shared_fault
        return await finishFault(t, vmf, pfn: pfn, anon: false)
    }

    /// Models finish_fault() → do_set_pte() (mm/memory.c): maps the page; the caller's
    /// reference becomes the mapping's.
    func finishFault(_ t: KTask, _ vmf: VMFault, pfn: Int, anon: Bool) async -> FaultResult {
        guard let ref = await pteAlloc(t, vmf) else {
            await putPage(t, pfn)
            return .oom
        }
        var prot = vmf.vma.pageProt
        // Shared file mappings are write-notified (page_mkwrite): read faults map read-only.
        if !anon && vmf.vma.flags.contains(.shared) && !vmf.isWrite { prot &= ~PTEBits.rw }
        var entry = layout.make(pfn: pfn, prot: prot)
        if vmf.isWrite { entry |= PTEBits.rw | PTEBits.dirty }
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        guard tables.read(ref.slot, ref.index) == 0 else {
            await unlock(t, ptl)
            await putPage(t, pfn)
            return .done
        }
        if anon {
            pageAddNewAnonRmap(pfn)
            mms[vmf.mm].anonPages += 1
        } else {
            addPteMapping(t, pfn)
            mms[vmf.mm].filePages += 1
        }
        await writeEntry(t, ref, entry, .pte, anon ? "do_cow_fault" : "do_set_pte")
        await unlock(t, ptl)
        return .done
    }
}
