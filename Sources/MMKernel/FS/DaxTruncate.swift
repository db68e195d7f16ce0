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
    /// the busy page with one.)
    func daxBreakLayouts(_ t: KTask, _ f: Int, from: Int, to: Int) async {
        guard from < to else { return }
        while true {
            await daxUnmapMappingPages(t, f, from: from, count: to - from, evenCows: true)
            guard config.era.pmemHasMemmap, let busy = daxBusyPage(f, from: from, to: to) else {
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
    func daxBusyPage(_ f: Int, from: Int, to: Int) -> Int? {
        let idle = zoneDeviceIdleRefcount(.fsDax)
        var i = from & ~511
        while i < to && i < daxFiles[f].entries.count {
            let e = daxFiles[f].entries[i]
            let n = e & DaxEntryBits.pmd != 0 ? 512 : 1
            if e != 0 && e & (DaxEntryBits.zero | DaxEntryBits.empty) == 0 {
                let pfn = DaxEntryBits.pfn(e)
                for p in pfn..<(pfn + n) where memmap.pfnValid(p) {
                    let head = compoundHead(p)
                    if page(head).refcount > idle { return head }
                }
            }
            i += n
        }
        return nil
    }

    /// Deletes the entries of `[from, to)` (dax_delete_mapping_entry via
    /// truncate_inode_pages_range), disassociating their pages.
    func daxDeleteEntries(_ t: KTask, _ f: Int, from: Int, to: Int) async {
        var i = from
        while i < to && i < daxFiles[f].entries.count {
            let slot = daxSlot(f, i)
            let e = daxFiles[f].entries[slot]
            let n = e & DaxEntryBits.pmd != 0 ? 512 : 1
            if e != 0 {
                await t.step()
                if e & DaxEntryBits.zero == 0 {
                    let pfn = DaxEntryBits.pfn(e)
                    for p in pfn..<(pfn + n) where memmap.pfnValid(p) { withPage(p) { $0.inode = -1 } }
                }
                daxFiles[f].entries[slot] = 0
                t.exec.wake(Obj.daxEntry(f, slot))
            }
            i = slot + n
        }
    }

    /// Models ext4_setattr/xfs_setattr_size for a DAX file: break layouts beyond the new
    /// end, delete the entries, free the blocks, set i_size. Growing adds holes.
    func daxTruncate(_ t: KTask, _ f: Int, size: UInt64) async -> Int {
        let inode = daxFiles[f].inode
        let oldPages = inodes[inode].pages
        let newPages = Int((size + PAGE_SIZE - 1) / PAGE_SIZE)
        if newPages < oldPages {
            await daxBreakLayouts(t, f, from: newPages, to: oldPages)
            await daxDeleteEntries(t, f, from: newPages, to: oldPages)
            daxFiles[f].block.removeLast(oldPages - newPages)
            daxFiles[f].unwritten.removeLast(oldPages - newPages)
            daxFiles[f].entries.removeLast(oldPages - newPages)
        } else {
            let n = newPages - oldPages
            daxFiles[f].block.append(contentsOf: repeatElement(-1, count: n))
            daxFiles[f].unwritten.append(contentsOf: repeatElement(false, count: n))
            daxFiles[f].entries.append(contentsOf: repeatElement(0, count: n))
        }
        inodes[inode].size = size
        inodes[inode].cache = Array(repeating: -1, count: newPages)
        return 0
    }

    /// Models fallocate(FALLOC_FL_PUNCH_HOLE) on a DAX file (ext4_punch_hole /
    /// xfs_free_file_space): break layouts over the whole pages of the range, delete
    /// their entries and free their blocks. The file keeps its size. 0 or -errno.
    public func punchHole(_ t: KTask, inode: Int, offset: UInt64, length: UInt64) async -> Int {
        guard let f = daxFile(inode: inode) else { return -Errno.EOPNOTSUPP }
        let first = Int((offset + PAGE_SIZE - 1) / PAGE_SIZE)
        let last = min(Int((offset + length) / PAGE_SIZE), inodes[inode].pages)
        guard first < last else { return 0 }
        await daxBreakLayouts(t, f, from: first, to: last)
        await daxDeleteEntries(t, f, from: first, to: last)
        for i in first..<last {
            daxFiles[f].block[i] = -1
            daxFiles[f].unwritten[i] = false
        }
        daxFiles[f].metadataDirty = true
        t.exec.note("punch_hole inode \(inode) pages \(first)..<\(last)")
        return 0
    }
}
