/// Truncating a page-cache file (mm/truncate.c, mm/memory.c unmap_mapping_range).
extension Kernel {
    /// Models do_truncate() → truncate_setsize() → truncate_pagecache() for a non-DAX
    /// file: every mapping of the cut-off pages is zapped in every process (private COW
    /// copies too: even_cows), then the page cache drops its pages. Growing only sets
    /// i_size. Returns 0 or -errno.
    public func truncate(_ t: KTask, inode: InodeID, size: UInt64) async -> Int {
        // FS/DaxTruncate.swift
        if let f = daxFile(inode: inode) { return await daxTruncate(t, f, size: size) }
        // Hugetlb/
        if let f = hugetlbFile(inode: inode) { return await hugetlbTruncate(t, f, size: size) }
        let oldPages = files.inodes[inode].pages
        files.inodes[inode].size = size
        let newPages = files.inodes[inode].pages
        if newPages >= oldPages {
            files.inodes[inode].cache.append(contentsOf: repeatElement(-1,
                                                                       count: newPages - oldPages))
            return 0
        }
        await unmapMappingRange(t, inode: inode, fromIndex: UInt64(newPages))
        await t.step()
        for index in newPages..<oldPages {
            guard let pfn = files.inodes[inode].cached(index) else { continue }
            // delete_from_page_cache(): the page leaves the cache and drops its reference.
            withState(pfn) { $0.flags.remove(.pageCache) }
            await putPage(t, pfn)
        }
        files.inodes[inode].cache.removeLast(oldPages - newPages)
        return 0
    }

    /// Models unmap_mapping_range(mapping, holebegin, 0, even_cows=1) (mm/memory.c):
    /// walks the file's i_mmap — every vma of every process mapping the inode — and zaps
    /// the pages from `fromIndex` on, under i_mmap_rwsem.
    private func unmapMappingRange(_ t: KTask, inode: InodeID, fromIndex: UInt64) async {
        await lockShared(t, .iMmap(inode: inode))
        for mm in mms.ids where !mms[mm].exited {
            for v in mms[mm].vmas {
                guard case .file(let ino) = v.backing, ino == inode else { continue }
                let lastIndex = v.pgoff + (v.length >> 12)
                guard lastIndex > fromIndex else { continue }
                let start = fromIndex > v.pgoff ? v.start + ((fromIndex - v.pgoff) << 12) : v.start
                var tlb = MMUGather(mm: mm)
                await zapRange(t, mm: mm, vma: v, start, v.end, &tlb)
                await tlbFlushMMU(t, &tlb)
            }
        }
        await unlockShared(t, .iMmap(inode: inode))
    }
}
