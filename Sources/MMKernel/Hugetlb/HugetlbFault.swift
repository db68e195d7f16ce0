import MMExplore

/// hugetlb faults (mm/hugetlb.c): hugetlb_fault → huge_pte_alloc (with PMD sharing) →
/// hugetlb_no_page for a none entry, hugetlb_wp for a write to a read-only private one.
extension Kernel {
    /// Models hugetlb_fault(): takes the era's lock against unshare (v5.7–6.0 i_mmap_rwsem
    /// read, v6.1+ the vma lock read; ≤v5.6 none), allocates the PMD entry (sharing a
    /// table where possible), then maps, COWs or marks the huge entry young/dirty.
    func hugetlbFault(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult {
        guard case .hugetlb(let inode) = vmf.vma.backing, let f = hugetlbFile(inode: inode) else {
            return .sigbus
        }
        let haddr = vmf.address & ~(PMD_SIZE - 1)
        let held = await hugetlbFaultLock(t, vmf.vma, inode)
        guard let (ref, tablePfn) = await hugePteAlloc(t, vmf.mm, vmf.vma, haddr,
                                                       inode: inode) else {
            await hugetlbFaultUnlock(t, held, inode)
            return .oom
        }
        vmf.pmd = ref
        // hugetlb_fault_mutex_table[hash(mapping, idx)]: serialises the fault against
        // remove_inode_hugepages() for the same page.
        await lock(t, .hugetlbFault(inode: inode))
        let entry = await readEntry(t, ref)
        guard await pmdTableStillLive(t, ref, pfn: tablePfn, "hugetlb_fault") else {
            await unlock(t, .hugetlbFault(inode: inode))
            await hugetlbFaultUnlock(t, held, inode)
            return .done
        }
        let r: FaultResult
        if entry == 0 {
            r = await hugetlbNoPage(t, &vmf, f, Int(vmf.vma.pageIndex(haddr) >> 9))
        } else {
            r = await hugetlbFaultPresent(t, &vmf, entry)
        }
        await unlock(t, .hugetlbFault(inode: inode))
        await hugetlbFaultUnlock(t, held, inode)
        return r
    }

    /// The lock hugetlb_fault holds against huge_pmd_unshare in this era, taken.
    private func hugetlbFaultLock(_ t: KTask, _ vma: VMA, _ inode: InodeID) async -> LockID? {
        switch config.era.hugetlbFaultLocking {
        case .shareTakesIMmapWrite:
            return nil
        case .faultTakesIMmapRead:
            guard vma.flags.contains(.mayShare) else { return nil }
            await lockShared(t, .iMmap(inode: inode))
            return .iMmap(inode: inode)
        case .vmaLock:
            guard hugetlbUsesVmaLock(vma) else { return nil }
            let l = LockID.hugetlbVma(lock: Int(vma.hugetlbVmaLock))
            await lockShared(t, l)
            return l
        }
    }

    private func hugetlbFaultUnlock(_ t: KTask, _ held: LockID?, _ inode: InodeID) async {
        if let l = held { await unlockShared(t, l) }
    }

    /// Models huge_pte_alloc() (mm/hugetlb.c, ARCH_WANT_GENERAL_HUGETLB): pud_alloc, then
    /// huge_pmd_share() when want_pmd_share() and the PUD is none, else pmd_alloc().
    /// Returns the PMD entry's ref and the table page it lives in; nil on OOM.
    func hugePteAlloc(_ t: KTask, _ mm: MMID, _ vma: VMA, _ addr: UInt64,
                      inode: InodeID) async -> (EntryRef, Pfn)? {
        guard let pud = await allocWalk(t, mm: mm, addr, to: .pud) else { return nil }
        var ref: EntryRef? = nil
        if wantPmdShare(vma, addr), await readEntry(t, pud) == 0 {
            ref = await hugePmdShare(t, mm: mm, vma: vma, addr, pud: pud, inode: inode)
        } else {
            ref = await allocWalk(t, mm: mm, addr, to: .pmd)
        }
        guard let ref else { return nil }
        return (ref, tables.pfn(ofSlot: ref.slot))
    }

    /// Models hugetlb_no_page(): find the page in the file's cache or allocate a huge page
    /// (SIGBUS past i_size); a shared mapping adds it to the cache, a private one makes it
    /// anonymous; under the PT lock, if the entry is still none, map it (writable and
    /// dirty only for a shared writable vma) with a compound mapcount; a private write
    /// goes on to hugetlb_wp().
    private func hugetlbNoPage(_ t: KTask, _ vmf: inout VMFault, _ f: Int,
                               _ idx: Int) async -> FaultResult {
        let inode = hugetlb.files[f].inode
        let shared = vmf.vma.flags.contains(.mayShare)
        await t.step()
        guard idx < hugetlb.files[f].pages.count,
              UInt64(idx) < files.inodes[inode].size / PMD_SIZE else {
            return .sigbus
        }
        var pfn: Pfn
        var fromCache = false
        if let cached = hugetlb.files[f].page(idx) {
            pfn = cached
            fromCache = true
            await getPage(t, pfn)  // find_lock_page()
        } else {
            // alloc_huge_page() → a surplus page from the buddy allocator; clear_huge_page().
            guard let new = await allocPages(t, order: 9) else { return .oom }
            hugetlb.pagesAllocated += 1
            withState(new) { $0.flags.insert(.uptodate) }
            pfn = new
            if shared {
                // hugetlb_add_to_page_cache(): the cache takes its own reference.
                await t.step()
                if let raced = hugetlb.files[f].page(idx) {
                    await putPage(t, new)
                    pfn = raced
                    fromCache = true
                    await getPage(t, pfn)
                } else {
                    hugetlb.files[f].setPage(idx, new)
                    withPage(new) {
                        $0.flags.insert(.pageCache)
                        $0.inode = InodeID.packed(inode)
                        $0.index = UInt32(idx)
                        $0.refcount += 1
                    }
                    t.exec.note("hugetlb_add_to_page_cache: idx \(idx) pfn \(hex(new))")
                }
            } else {
                withState(new) { $0.flags.formUnion([.anon, .anonExclusive]) }
                mms[vmf.mm].anonVMAPrepare(at: vmf.address)
            }
        }
        let ptl = LockID.ptl(slot: vmf.pmd.slot)
        await lock(t, ptl)
        guard tables.read(vmf.pmd.slot, vmf.pmd.index) == 0 else {
            await unlock(t, ptl)
            await putPage(t, pfn)
            return .done
        }
        withMapcounts(pfn) { $0.entire += 1 }  // page_dup_file_rmap / hugepage_add_new_anon_rmap
        let writable = shared && vmf.vma.flags.contains(.write)
        var entry = layout.make(pfn: pfn, prot: vmf.vma.pageProt & ~PTEBits.rw) | PTEBits.pse
        if writable { entry |= PTEBits.rw | PTEBits.dirty }
        await writeEntry(t, vmf.pmd, entry, .pmd, "hugetlb_no_page: set_huge_pte_at")
        var r = FaultResult.done
        if vmf.isWrite && !shared {
            r = await hugetlbWp(t, &vmf, entry,
                                pagecache: fromCache || !identity(pfn).flags.contains(.anon))
        }
        await unlock(t, ptl)
        return r
    }

    /// A fault on a present huge entry: a write to a read-only private one goes to
    /// hugetlb_wp(); otherwise huge_ptep_set_access_flags() marks it young (and dirty).
    private func hugetlbFaultPresent(_ t: KTask, _ vmf: inout VMFault,
                                     _ entry: UInt64) async -> FaultResult {
        let ptl = LockID.ptl(slot: vmf.pmd.slot)
        await lock(t, ptl)
        guard tables.read(vmf.pmd.slot, vmf.pmd.index) == entry else {
            await unlock(t, ptl)
            return .done
        }
        var r = FaultResult.done
        if vmf.isWrite && !layout.isWrite(entry) && !vmf.vma.flags.contains(.mayShare) {
            let pfn = layout.pfn(entry)
            r = await hugetlbWp(t, &vmf, entry, pagecache: !identity(pfn).flags.contains(.anon))
        } else {
            let want = PTEBits.accessed | (vmf.isWrite ? PTEBits.dirty : 0)
            if entry & want != want {
                await writeEntry(t, vmf.pmd, entry | want, .pmd, "huge_ptep_set_access_flags")
            }
        }
        await unlock(t, ptl)
        return r
    }

    /// Models hugetlb_wp() (hugetlb_cow before v6.0), called with the PT lock held: an
    /// exclusive anonymous huge page is reused (made writable); otherwise a new huge page
    /// is allocated and copied, the old entry cleared and flushed, the new one installed,
    /// and the old page loses its mapping and the reference that went with it.
    private func hugetlbWp(_ t: KTask, _ vmf: inout VMFault, _ entry: UInt64,
                           pagecache: Bool) async -> FaultResult {
        let old = layout.pfn(entry)
        let haddr = vmf.address & ~(PMD_SIZE - 1)
        let oldPage = page(old)
        let exclusive = config.era.cowReuse == .anonExclusive
            ? oldPage.flags.contains(.anonExclusive) : oldPage.entireMapcount == 1
        if !pagecache && oldPage.flags.contains(.anon) && exclusive {
            await writeEntry(t, vmf.pmd,
                             entry | PTEBits.rw | PTEBits.dirty | PTEBits.accessed, .pmd,
                             "hugetlb_wp: reuse")
            return .done
        }
        let ptl = LockID.ptl(slot: vmf.pmd.slot)
        await unlock(t, ptl)
        let new = await allocPages(t, order: 9)
        if new != nil { hugetlb.pagesAllocated += 1 }
        if let new { for i in 0..<512 { copyFrameData(from: old + i, to: new + i) } }
        await lock(t, ptl)
        guard let new else { return .oom }
        guard tables.read(vmf.pmd.slot, vmf.pmd.index) == entry else {
            await putPage(t, new)
            return .done
        }
        withPage(new) {
            $0.flags.formUnion([.anon, .anonExclusive, .uptodate])
            $0.entireMapcount = 1
        }
        mms[vmf.mm].anonVMAPrepare(at: vmf.address)
        await writeEntry(t, vmf.pmd, 0, .pmd, "hugetlb_wp: huge_ptep_clear_flush")
        await flushTLBRange(t, mm: vmf.mm, haddr, PMD_SIZE)
        let prot = vmf.vma.pageProt | PTEBits.rw | PTEBits.dirty | PTEBits.accessed
        await writeEntry(t, vmf.pmd, layout.make(pfn: new, prot: prot) | PTEBits.pse, .pmd,
                         "hugetlb_wp: set_huge_pte_at(copy)")
        withMapcounts(old) { $0.entire -= 1 }  // page_remove_rmap(old_page, true)
        await putPage(t, old)
        return .done
    }
}
