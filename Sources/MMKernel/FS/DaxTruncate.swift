import MMExplore

/// Truncate and hole punch of fs-dax files with layout breaking (fs/dax.c
/// dax_layout_busy_page_range, fs/ext4/inode.c ext4_break_layouts, fs/xfs/xfs_file.c
/// xfs_break_dax_layouts; reference §7.4).
extension Kernel {
    /// Models the filesystem's break-layouts loop: unmap the range (so any new GUP must
    /// fault), find a busy page (refcount above the idle count of FS_DAX pages: ≤v6.14
    /// `> 1`, v6.15+ `> 0`), and wait until its last put wakes us (put_page →
    /// wake_up_var); repeat until none is busy. v4.4 has no struct pages and no check.
    /// (The scan itself reads refcounts without scheduling points; the wait re-reads
    /// the busy page with one.) With `-dax_break_layouts` only the unmap is done.
    func daxBreakLayouts(_ t: KTask, _ f: Int, from: Int, to: Int) async {
        guard from < to else { return }
        while true {
            await daxUnmapMappingPages(t, f, from: from, count: to - from, evenCows: true)
            guard config.era.pmemHasMemmap, config.has(.daxBreakLayouts),
                  let busy = daxBusyPage(f, from: from, to: to) else {
                return
            }
            await t.step()
            let idle = zoneDeviceIdleRefcount(.fsDax)
            if page(busy).refcount <= idle { continue }
            t.exec.note("dax_layout_busy_page: pfn \(hex(busy)) ref \(page(busy).refcount), wait")
            await t.exec.block(on: Obj.page(busy))
        }
    }

    /// Models dax_layout_busy_page_range()'s scan: the first page of a real entry in
    /// `[from, to)` whose refcount is above the idle count.
    private func daxBusyPage(_ f: Int, from: Int, to: Int) -> Pfn? {
        let idle = zoneDeviceIdleRefcount(.fsDax)
        var i = from & ~511
        while i < to && i < files.daxEntries.count(f) {
            let e = files.daxEntries.entry(f, i)
            let n = e & DaxEntryBits.pmd != 0 ? 512 : 1
            if e != 0 && e & (DaxEntryBits.zero | DaxEntryBits.empty) == 0 {
                let pfn = DaxEntryBits.pfn(e)
                for p in pfn..<(pfn + n) where memory.memmap.pfnValid(p) {
                    let head = compoundHead(p)
                    if page(head).refcount > idle { return head }
                }
            }
            i += n
        }
        return nil
    }

    /// Models dax_delete_mapping_entry() → __dax_invalidate_entry() for the entries of
    /// `[from, to)` (truncate_inode_pages_range → truncate_exceptional_pvec_entries): a
    /// locked entry is waited for (get_unlocked_entry), then deleted and its pages
    /// disassociated (dax_disassociate_entry); waiters are woken.
    private func daxDeleteEntries(_ t: KTask, _ f: Int, from: Int, to: Int) async {
        var i = from
        while i < to && i < files.daxEntries.count(f) {
            let slot = daxSlot(f, i)
            if files.daxEntries.entry(f, slot) == 0 {
                i = slot + 1
                continue
            }
            await t.step()
            guard slot < files.daxEntries.count(f), daxSlot(f, i) == slot else { continue }
            let e = files.daxEntries.entry(f, slot)
            if e & DaxEntryBits.locked != 0 {
                t.exec.note("dax_delete_mapping_entry: index \(slot) locked, wait")
                await t.exec.block(on: Obj.daxEntry(f, slot))
                continue
            }
            let n = e & DaxEntryBits.pmd != 0 ? 512 : 1
            if e != 0 {
                await t.step()
                if e & (DaxEntryBits.zero | DaxEntryBits.empty) == 0 {
                    let pfn = DaxEntryBits.pfn(e)
                    for p in pfn..<(pfn + n) where memory.memmap.pfnValid(p) {
                        withState(p) { $0.inode = -1 }
                    }
                }
                files.daxEntries.set(f, slot, 0)
                t.exec.note("dax_delete_mapping_entry: index \(slot)")
                t.exec.wake(Obj.daxEntry(f, slot))
            }
            i = slot + n
        }
    }

    /// The filesystem frees the blocks of file pages `[from, to)` (ext4_truncate /
    /// ext4_ext_remove_space, xfs_itruncate_extents / xfs_free_file_space): they go back to
    /// the namespace's free space and are remembered as freed (`DeviceMemory.pmemFreed`),
    /// so a later mapping of, access through or DMA into one is reported. A block some
    /// page table still maps when it is freed is `freed-while-mapped`. No scheduling point:
    /// the caller holds the invalidate lock and has unmapped and deleted the range.
    private func daxFreeBlocks(_ t: KTask, _ f: Int, from: Int, to: Int) {
        let region = files.daxFiles[f].region
        let inode = files.daxFiles[f].inode
        for i in from..<min(to, files.daxFiles[f].block.count) {
            let b = Int(files.daxFiles[f].block[i])
            files.daxFiles[f].block[i] = -1
            files.daxFiles[f].unwritten[i] = false
            guard b >= 0 else { continue }
            devices.pmemFreed[region].insert(b)
            let pfn = devices.pmems[region].dataPfn + b
            if let where_ = daxMappedAt(inode: inode, index: i, pfn: pfn) {
                report(.freedWhileMapped, "fs frees pmem block \(b) (pfn \(hex(pfn))) still mapped "
                       + "at \(where_)", t)
            }
        }
        t.exec.note("fs frees blocks of inode \(inode) pages \(from)..<\(to)")
    }

    /// Where a page table of some process still maps `pfn` as file page `index` of
    /// `inode` (`mm1 0x7f...`), or nil.
    private func daxMappedAt(inode: InodeID, index: Int, pfn: Pfn) -> String? {
        for mm in mms.ids where !mms[mm].exited {
            for v in mms[mm].vmas {
                guard case .fsDax(let ino) = v.backing, ino == inode else { continue }
                let i = UInt64(index)
                guard i >= v.pgoff, i < v.pgoff + (v.length >> 12) else { continue }
                let addr = v.start + ((i - v.pgoff) << 12)
                let w = walkSnapshot(mm: mm, addr)
                guard w.entry & PTEBits.present != 0,
                      w.level == .pte || layout.isLeaf(w.entry) else {
                    continue
                }
                let mapped = layout.pfn(w.entry) + Int((addr & (w.level.size - 1)) >> 12)
                if mapped == pfn { return "mm\(mm) \(hex(addr))" }
            }
        }
        return nil
    }

    /// True when `pfn` is a data page of an fs-dax namespace whose block the filesystem
    /// freed (truncate or punch); reports `kind` with `what` then (built only then: this
    /// runs on every user access).
    @discardableResult
    func checkFreedPmem(_ t: KTask, _ pfn: Pfn, _ kind: ViolationKind,
                        _ what: @autoclosure () -> String) -> Bool {
        for r in devices.pmemFreed.indices where !devices.pmemFreed[r].isEmpty {
            let ns = devices.pmems[r]
            let b = pfn - ns.dataPfn
            guard b >= 0, b < ns.dataPages, devices.pmemFreed[r].contains(b) else { continue }
            report(kind, "\(what()) pfn \(hex(pfn)): pmem block \(b) was freed by the "
                   + "filesystem", t)
            return true
        }
        return false
    }

    /// Models ext4_setattr() / xfs_setattr_size() shrinking or growing a DAX file: under
    /// the invalidate lock (exclusive; `daxInvalidateLock`), break layouts beyond the new
    /// end, set i_size, truncate_pagecache() (unmap_mapping_range even_cows, then
    /// dax_delete_mapping_entry for each entry), then free the blocks (ext4_truncate).
    /// Growing adds holes.
    func daxTruncate(_ t: KTask, _ f: Int, size: UInt64) async -> Int {
        let inode = files.daxFiles[f].inode
        let l = daxInvalidateLock(inode)
        if let l { await lock(t, l) }
        let oldPages = files.inodes[inode].pages
        let newPages = Int((size + PAGE_SIZE - 1) / PAGE_SIZE)
        if newPages < oldPages {
            await daxBreakLayouts(t, f, from: newPages, to: oldPages)
            files.inodes[inode].size = size  // i_size_write (faults are held off by the lock)
            await daxUnmapMappingPages(t, f, from: newPages, count: oldPages - newPages,
                                       evenCows: true)
            await daxDeleteEntries(t, f, from: newPages, to: oldPages)
            daxFreeBlocks(t, f, from: newPages, to: oldPages)
            files.daxFiles[f].block.removeLast(oldPages - newPages)
            files.daxFiles[f].unwritten.removeLast(oldPages - newPages)
            files.daxEntries.resize(f, pages: newPages)
        } else {
            let n = newPages - oldPages
            files.daxFiles[f].block.append(contentsOf: repeatElement(-1, count: n))
            files.daxFiles[f].unwritten.append(contentsOf: repeatElement(false, count: n))
            files.daxEntries.resize(f, pages: newPages)
        }
        files.inodes[inode].size = size
        files.inodes[inode].cache = Array(repeating: -1, count: newPages)
        if let l { await unlock(t, l) }
        return 0
    }

    /// Models fallocate(FALLOC_FL_PUNCH_HOLE) on a DAX file (ext4_punch_hole /
    /// xfs_free_file_space): under the invalidate lock (exclusive), break layouts over the
    /// whole pages of the range, truncate_pagecache_range() (unmap_mapping_range, then
    /// dax_delete_mapping_entry for each entry), then free the blocks
    /// (ext4_ext_remove_space). The file keeps its size. 0 or -errno.
    public func punchHole(_ t: KTask, inode: InodeID, offset: UInt64,
                          length: UInt64) async -> Int {
        guard let f = daxFile(inode: inode) else { return -Errno.EOPNOTSUPP }
        let l = daxInvalidateLock(inode)
        if let l { await lock(t, l) }
        let first = Int((offset + PAGE_SIZE - 1) / PAGE_SIZE)
        let last = min(Int((offset + length) / PAGE_SIZE), files.inodes[inode].pages)
        if first < last {
            await daxBreakLayouts(t, f, from: first, to: last)
            await daxUnmapMappingPages(t, f, from: first, count: last - first)
            await daxDeleteEntries(t, f, from: first, to: last)
            daxFreeBlocks(t, f, from: first, to: last)
            files.daxFiles[f].metadataDirty = true
            t.exec.note("punch_hole inode \(inode) pages \(first)..<\(last)")
        }
        if let l { await unlock(t, l) }
        return 0
    }
}
