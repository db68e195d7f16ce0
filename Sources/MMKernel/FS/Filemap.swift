/// The page cache and file faults (mm/filemap.c, mm/memory.c do_fault paths).
extension Kernel {
    /// Models filemap_fault() (mm/filemap.c): the page-cache page of `index`, read in
    /// with its neighbours by mmap read-around if absent; returned with a reference for
    /// the caller. nil with SIGBUS beyond EOF, OOM when no frame is left. `readIn` says
    /// that readahead I/O was started, for which the kernel drops the mmap lock and
    /// answers VM_FAULT_RETRY (maybe_unlock_mmap_for_io).
    private func filemapFault(_ t: KTask, inode: InodeID, index: Int) async
        -> (pfn: Pfn?, FaultResult, readIn: Bool) {
        guard index < files.inodes[inode].pages else { return (nil, .sigbus, false) }
        var readIn = false
        await t.step()
        if files.inodes[inode].cached(index) == nil {
            // do_sync_mmap_readahead(): a window of ra_pages centred on the miss, its
            // marker ra_pages/4 from the window's end.
            let ra = Kernel.raPages
            let start = max(0, index - ra / 2)
            guard await readPages(t, inode: inode, from: start, count: ra, lookahead: ra / 4),
                  files.inodes[inode].cached(index) != nil else { return (nil, .oom, true) }
            readIn = true
        } else if let pfn = files.inodes[inode].cached(index),
                  identity(pfn).flags.contains(.readahead) {
            // do_async_mmap_readahead() → page_cache_async_ra(): the marker is reached, so
            // the next window (ra_pages, all of it async: the marker is its first page)
            // starts at the first page not cached yet.
            withState(pfn) { $0.flags.remove(.readahead) }
            var next = index + 1
            while next < files.inodes[inode].pages && files.inodes[inode].cached(next) != nil {
                next += 1
            }
            if next < files.inodes[inode].pages && next - index <= Kernel.raPages {
                _ = await readPages(t, inode: inode, from: next, count: Kernel.raPages,
                                    lookahead: Kernel.raPages)
                readIn = true
            }
        }
        guard let pfn = files.inodes[inode].cached(index) else {
            internalError("filemap_fault: index \(index) of inode \(inode) not cached", t)
            return (nil, .sigbus, readIn)
        }
        await getPage(t, pfn)
        return (pfn, .done, readIn)
    }

    /// The block device's readahead window, bdi->ra_pages at its default
    /// (VM_READAHEAD_PAGES: 128K, read_ahead_kb = 128).
    static let raPages = 32

    /// Models do_page_cache_ra() → page_cache_ra_unbounded() → read_pages()
    /// (mm/readahead.c): the window `[from, from+count)` is cut at EOF; every page of it
    /// not cached yet is allocated, filled from the file and added to the cache, uptodate;
    /// the page `lookahead` pages before the cut window's end, if read now, gets
    /// PG_readahead (none when the cut window is shorter than `lookahead`). false when
    /// the allocator runs dry.
    private func readPages(_ t: KTask, inode: InodeID, from: Int, count: Int,
                           lookahead: Int) async -> Bool {
        let end = min(from + count, files.inodes[inode].pages)
        guard from < end else { return true }
        let marker = end - from - lookahead  // "i == nr_to_read - lookahead_size"
        for index in from..<end where files.inodes[inode].cached(index) == nil {
            guard let pfn = await addToPageCache(t, inode: inode, index: index,
                                                 readahead: index - from == marker) else {
                return false
            }
            for (off, v) in storedWords(.file(inode), UInt64(index) << 12, PAGE_SIZE) {
                writePhys(pfn.physAddr | (off & 0xfff), v)
            }
        }
        return true
    }

    /// Models filemap_add_folio() (mm/filemap.c) of a new order-0 folio: allocated,
    /// uptodate, in the cache at `index`; the cache holds the allocation's reference.
    /// nil when the allocator runs dry.
    private func addToPageCache(_ t: KTask, inode: InodeID, index: Int,
                                readahead: Bool) async -> Pfn? {
        guard let pfn = await allocPages(t) else { return nil }
        withPage(pfn) {
            $0.flags.formUnion([.pageCache, .uptodate])
            if readahead { $0.flags.insert(.readahead) }
            $0.inode = InodeID.packed(inode)
            $0.index = UInt32(index)
        }
        files.inodes[inode].setCached(index, pfn)
        return pfn
    }

    /// Models generic_perform_write() (mm/filemap.c) over a whole new file, as the
    /// `file` statement writes it (the oracle's guest: xfs_io pwrite, then fsync): every
    /// page ends up in the page cache, uptodate and clean. Hole files are only
    /// fallocated and DAX files have no page cache, so they stay uncached.
    public func writeFileThroughCache(_ t: KTask, inode: InodeID) async -> Int {
        guard files.inodes[inode].layout != .hole, !files.mount(files.inodes[inode].mount).dax,
              !files.mount(files.inodes[inode].mount).hugetlbfs else { return 0 }
        await t.step()
        for index in 0..<files.inodes[inode].pages where files.inodes[inode].cached(index) == nil {
            guard await addToPageCache(t, inode: inode, index: index, readahead: false) != nil
            else { return -Errno.ENOMEM }
        }
        return 0
    }

    /// Models do_fault() (mm/memory.c): read, COW or shared fault of a file vma.
    func doFault(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult {
        if case .dmabuf(let bo) = vmf.vma.backing { return await ttmBoVmFault(t, &vmf, bo: bo) }
        if vmf.vma.isDax { return await daxFault(t, &vmf) }  // Fault/DaxFault.swift
        guard case .file(let inode) = vmf.vma.backing else {
            // /dev/mem vmas are fully populated by remap_pfn_range: no ->fault.
            return .sigbus
        }
        // do_read_fault(): fault-around first (FS/FaultAround.swift), then ->fault.
        if !vmf.isWrite && config.has(.faultAround),
           let r = await doFaultAround(t, vmf, inode: inode) { return r }
        let index = Int(vmf.vma.pageIndex(vmf.address))
        var (got, r, readIn) = await filemapFault(t, inode: inode, index: index)
        if readIn && !vmf.isWrite && config.has(.faultAround), let pfn = got {
            // VM_FAULT_RETRY after readahead I/O: the fault starts over and its
            // fault-around now finds the pages just read (the model keeps the mmap lock).
            await putPage(t, pfn)
            if let r = await doFaultAround(t, vmf, inode: inode) { return r }
            (got, r, _) = await filemapFault(t, inode: inode, index: index)
        }
        guard let pfn = got else { return r }
        if vmf.isWrite && !vmf.vma.flags.contains(.shared) {
            // do_cow_fault(): copy into a private anonymous page.
            guard let newPfn = await allocPages(t) else {
                await putPage(t, pfn)
                return .oom
            }
            copyFrameData(from: pfn, to: newPfn)
            await putPage(t, pfn)
            mms[vmf.mm].anonVMAPrepare(at: vmf.address)
            return await finishFault(t, vmf, pfn: newPfn, anon: true)
        }
        if vmf.isWrite { withState(pfn) { $0.flags.insert(.dirty) } }  // do_shared_fault
        return await finishFault(t, vmf, pfn: pfn, anon: false)
    }

    /// Models finish_fault() → do_set_pte() (mm/memory.c): maps the page; the caller's
    /// reference becomes the mapping's.
    func finishFault(_ t: KTask, _ vmf: VMFault, pfn: Pfn, anon: Bool) async -> FaultResult {
        guard let ref = await pteAlloc(t, vmf) else {
            await putPage(t, pfn)
            return .oom
        }
        var prot = vmf.vma.pageProt
        // Shared file mappings are write-notified (page_mkwrite): read faults map read-only.
        if !anon && vmf.vma.flags.contains(.shared) && !vmf.isWrite { prot &= ~PTEBits.rw }
        var entry = layout.make(pfn: pfn, prot: prot)
        if vmf.isWrite { entry |= mkwriteBits(vmf.vma) | PTEBits.dirty }  // maybe_mkwrite
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
