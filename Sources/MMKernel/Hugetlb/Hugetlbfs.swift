/// hugetlbfs: the mount, its files, truncate, and the mmap of its files
/// (fs/hugetlbfs/inode.c, mm/hugetlb.c). One hstate: 2M pages.
extension Kernel {
    /// Models mounting hugetlbfs (hugetlbfs_fill_super) with the default 2M hstate.
    /// 0, or -EBUSY when the mount point is taken.
    public func mountHugetlbfs(at path: String) -> Int {
        if files.mounts.contains(where: { $0.path == path }) { return -Errno.EBUSY }
        files.addMount(Mount(path: path, device: -1, dax: false, hugetlbfs: true))
        return 0
    }

    /// True when `path` lies on a hugetlbfs mount.
    public func isOnHugetlbfs(path: String) -> Bool {
        guard let m = mountFor(path: path) else { return false }
        return files.mount(m).hugetlbfs
    }

    /// Models hugetlbfs_create() then hugetlbfs_setattr() (ftruncate to `size`): a file
    /// whose size is a multiple of the huge page size (-EINVAL otherwise). No page is
    /// allocated until a fault. 0 or -errno.
    public func createHugetlbFile(path: String, size: UInt64) -> Int {
        guard let m = mountFor(path: path), files.mount(m).hugetlbfs else { return -Errno.ENOENT }
        guard size % PMD_SIZE == 0 else { return -Errno.EINVAL }
        if files.inodes.contains(where: { $0.path == path }) { return -Errno.EEXIST }
        files.inodes.append(Inode(path: path, mount: m, size: size, layout: .contiguous, cache: []))
        hugetlb.files.append(HugetlbFile(inode: InodeID(files.inodes.count - 1),
                                         pages: Array(repeating: -1, count: Int(size / PMD_SIZE))))
        return 0
    }

    /// The mmap granule of `target`: hugetlb_get_unmapped_area() aligns a hugetlbfs
    /// mapping to the huge page size and ksys_mmap_pgoff() rounds its length up to it.
    func hugetlbMmapGranule(_ target: MapTarget) -> UInt64 {
        if case .file(let inode) = target, files.mount(files.inodes[inode].mount).hugetlbfs {
            return PMD_SIZE
        }
        return PAGE_SIZE
    }

    /// Models hugetlbfs_file_mmap() (fs/hugetlbfs/inode.c) with the address chosen: the
    /// offset must be huge-page aligned (-EINVAL), as must a fixed address
    /// (prepare_hugepage_range); the vma gets VM_HUGETLB|VM_DONTEXPAND and is not
    /// accounted (accountable_mapping() skips hugetlb files); hugetlb_vma_lock_alloc()
    /// gives shareable vmas their lock; a writable mapping past EOF extends i_size to its
    /// end. 0 or -errno.
    func hugetlbfsMmapPrepare(_ req: MmapRequest, _ vma: inout VMA) -> Int {
        guard case .file(let inode) = req.target, files.mount(files.inodes[inode].mount).hugetlbfs,
              let f = hugetlbFile(inode: inode) else { return 0 }
        guard vma.pgoff & 511 == 0, vma.start & (PMD_SIZE - 1) == 0 else { return -Errno.EINVAL }
        let end = (vma.pgoff << 12) + vma.length
        if vma.flags.contains(.write) && files.inodes[inode].size < end {
            files.inodes[inode].size = end
            let grow = Int(end / PMD_SIZE) - hugetlb.files[f].pages.count
            hugetlb.files[f].pages.append(contentsOf: repeatElement(-1, count: grow))
        }
        vma.backing = .hugetlb(inode: inode)
        vma.flags.formUnion([.hugetlb, .dontExpand])
        vma.flags.remove(.account)
        vma.hugetlbVmaLock = hugetlbVmaLockAlloc()
        return 0
    }

    /// Models hugetlbfs_setattr() → hugetlb_vmtruncate() (fs/hugetlbfs/inode.c): the
    /// size must be huge-page aligned (-EINVAL); shrinking sets i_size, then under
    /// i_mmap_rwsem (write) hugetlb_vmdelete_list() unmaps every vma's pages past the new
    /// end (v6.1+: only vmas whose vma lock it can trylock), then remove_inode_hugepages()
    /// drops the page cache's references. 0 or -errno.
    func hugetlbTruncate(_ t: KTask, _ f: Int, size: UInt64) async -> Int {
        guard size % PMD_SIZE == 0 else { return -Errno.EINVAL }
        let inode = hugetlb.files[f].inode
        let old = hugetlb.files[f].pages.count
        let new = Int(size / PMD_SIZE)
        await t.step()
        files.inodes[inode].size = size
        if new >= old {
            hugetlb.files[f].pages.append(contentsOf: repeatElement(-1, count: new - old))
            return 0
        }
        await lock(t, .iMmap(inode: inode))
        await hugetlbVmdeleteList(t, inode: inode, fromIndex: UInt64(new) << 9)
        await unlock(t, .iMmap(inode: inode))
        // remove_inode_hugepages(): under the fault mutex, a page mapped again (or left
        // mapped by a vma hugetlb_vmdelete_list skipped) is unmapped
        // (remove_inode_single_folio → hugetlb_unmap_file_folio), then it leaves the
        // cache and drops the cache's reference.
        await t.step()
        let present = (new..<old).filter { hugetlb.files[f].page($0) != nil }
        for idx in present {
            await lock(t, .hugetlbFault(inode: inode))
            await t.step()
            let cached = hugetlb.files[f].page(idx)
            if let pfn = cached, mapcounts(pfn).entire > 0 {
                await hugetlbUnmapFileFolio(t, inode: inode, index: UInt64(idx) << 9)
            }
            if let pfn = cached {
                hugetlb.files[f].setPage(idx, nil)
                withState(pfn) { $0.flags.remove(.pageCache); $0.inode = -1 }
                t.exec.note("remove_inode_hugepages: idx \(idx) pfn \(hex(pfn)) leaves the cache")
                await putPage(t, pfn)
            }
            await unlock(t, .hugetlbFault(inode: inode))
        }
        await t.step()
        hugetlb.files[f].pages.removeLast(old - new)
        return 0
    }

    /// Models hugetlb_vmdelete_list() (fs/hugetlbfs/inode.c): for every vma mapping the
    /// file from page index `fromIndex` on, unmap_hugepage_range() with its own
    /// mmu_gather. The caller holds i_mmap_rwsem for write.
    private func hugetlbVmdeleteList(_ t: KTask, inode: InodeID, fromIndex: UInt64) async {
        for mm in mms.ids where !mms[mm].exited {
            await t.step()
            for v in mms[mm].vmas where v.backing == .hugetlb(inode: inode) {
                let last = v.pgoff + (v.length >> 12)
                guard last > fromIndex else { continue }
                let start = fromIndex > v.pgoff ? v.start + ((fromIndex - v.pgoff) << 12) : v.start
                let vmaLock =
                    hugetlbUsesVmaLock(v) ? LockID.hugetlbVma(lock: Int(v.hugetlbVmaLock)) : nil
                if let l = vmaLock, !(await hugetlbVmaTrylockWrite(t, l)) { continue }
                var tlb = MMUGather(mm: mm)
                await unmapHugepageRange(t, mm: mm, vma: v, start, v.end, &tlb)
                await tlbFlushMMU(t, &tlb)
                if let l = vmaLock { await unlock(t, l) }
            }
        }
    }

    /// Models hugetlb_unmap_file_folio() (fs/hugetlbfs/inode.c): under i_mmap_rwsem for
    /// write, unmap the huge page at file index `index` (in 4K pages) from every vma that
    /// maps it, each with its own mmu_gather. The kernel takes each vma lock in order
    /// (dropping i_mmap_rwsem when a trylock fails); the model unmaps without it.
    private func hugetlbUnmapFileFolio(_ t: KTask, inode: InodeID, index: UInt64) async {
        await lock(t, .iMmap(inode: inode))
        for mm in mms.ids where !mms[mm].exited {
            await t.step()
            for v in mms[mm].vmas where v.backing == .hugetlb(inode: inode) {
                guard index >= v.pgoff, index < v.pgoff + (v.length >> 12) else { continue }
                let addr = v.start + ((index - v.pgoff) << 12)
                var tlb = MMUGather(mm: mm)
                await unmapHugepageRange(t, mm: mm, vma: v, addr, addr + PMD_SIZE, &tlb)
                await tlbFlushMMU(t, &tlb)
            }
        }
        await unlock(t, .iMmap(inode: inode))
    }

    /// Models hugetlb_vma_trylock_write(): takes the lock if it is free, else false (the
    /// vma is skipped). A trylock cannot deadlock, so lockdep records no ordering edge.
    private func hugetlbVmaTrylockWrite(_ t: KTask, _ l: LockID) async -> Bool {
        await t.step()
        log.write(l.object)  // the trylock's cmpxchg writes the word even when it fails
        var s = lockState(l)
        guard s.writer < 0 && s.readers == 0 else {
            t.exec.note("hugetlb_vma_trylock_write \(l) failed: vma skipped")
            return false
        }
        s.writer = Int32(t.exec.index)
        setLockState(l, s)
        t.heldCounts[l.lockClass.rawValue] += 1
        t.exec.note("hugetlb_vma_trylock_write \(l)")
        return true
    }

    /// True when `v`'s era takes the hugetlb vma lock and `v` has one (v6.1+, shareable).
    func hugetlbUsesVmaLock(_ v: VMA) -> Bool {
        config.era.hugetlbFaultLocking == .vmaLock && v.flags.contains(.mayShare)
            && v.hugetlbVmaLock >= 0 && !hugetlb.vmaGone[Int(v.hugetlbVmaLock)]
    }
}
