import MMExplore

/// fs-dax faults: dax_iomap_pte_fault and dax_iomap_pmd_fault (fs/dax.c, reference
/// §7.2–7.3), reached through ext4_dax_huge_fault / xfs_dax_fault (->fault, ->huge_fault,
/// ->pfn_mkwrite, ->page_mkwrite).
extension Kernel {
    /// The ->huge_fault of a DAX vma at `level` (PMD or PUD): fs-dax has no PUD support
    /// (FALLBACK), device-dax goes to dev_dax_huge_fault.
    func daxHugeFault(_ t: KTask, _ vmf: inout VMFault,
                      _ level: PageTableLevel) async -> FaultResult {
        switch vmf.vma.backing {
        case .devDax(let region): return await devDaxFault(t, &vmf, region, level)
        case .fsDax(let inode):
            guard level == .pmd else { return .fallback }
            let l = daxInvalidateLock(inode)
            if let l { await lockShared(t, l) }
            let r = await daxIomapPmdFault(t, &vmf, inode)
            if let l { await unlockShared(t, l) }
            return r
        default: return .fallback
        }
    }

    /// The ->fault of a DAX vma (a PTE fault).
    func daxFault(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult {
        switch vmf.vma.backing {
        case .devDax(let region): return await devDaxFault(t, &vmf, region, .pte)
        case .fsDax(let inode):
            let l = daxInvalidateLock(inode)
            if let l { await lockShared(t, l) }
            let r = await daxIomapPteFault(t, &vmf, inode)
            if let l { await unlockShared(t, l) }
            return r
        default: return .sigbus
        }
    }

    /// The lock ext4_dax_huge_fault / xfs_dax_fault hold shared around a DAX fault and
    /// truncate/punch hold exclusive: mapping->invalidate_lock (v5.15+; ext4 i_mmap_sem,
    /// XFS_MMAPLOCK before; see `Era.daxFaultTruncateLock`), nil when the era has none.
    func daxInvalidateLock(_ inode: InodeID) -> LockID? {
        let dev = files.mount(files.inodes[inode].mount).device
        let xfs = filesystem(device: dev) == .xfs
        return config.era.daxFaultTruncateLock(xfs: xfs) ? .invalidate(inode: inode) : nil
    }

    /// Models dax_iomap_pte_fault() (fs/dax.c): SIGBUS past EOF; grab the entry; NOPAGE if
    /// a huge PMD raced in; then by extent: a private write copies into a new anonymous
    /// page (dax_fault_cow_page + finish_fault); a read of a hole or unwritten block maps
    /// the zero page (dax_load_hole); a mapped block is inserted — ≤v6.14
    /// vmf_insert_mixed[_mkwrite] with PFN_DEV|PFN_MAP (a devmap PTE), v6.15+
    /// vmf_insert_page_mkwrite (a refcounted PTE), v4.4 vm_insert_mixed (special).
    private func daxIomapPteFault(_ t: KTask, _ vmf: inout VMFault,
                                  _ inode: InodeID) async -> FaultResult {
        guard let f = daxFile(inode: inode) else { return .sigbus }
        let index = Int(vmf.vma.pageIndex(vmf.address))
        guard index < files.inodes[inode].pages else { return .sigbus }
        let cow = vmf.isWrite && !vmf.vma.flags.contains(.shared)
        let slot: Int
        switch await grabMappingEntry(t, f, index, pmd: false) {
        case .success(let s): slot = s
        case .failure(let stop): return stop.result
        }
        let pmd = tables.read(vmf.pmd.slot, vmf.pmd.index)
        if layout.isLeaf(pmd) {
            await daxUnlockEntry(t, f, slot)
            return .done
        }
        let r = await daxPteFaultIter(t, &vmf, f, index, slot, cow: cow)
        await daxUnlockEntry(t, f, slot)
        return r
    }

    /// Models dax_fault_iter() for a PTE (fs/dax.c), the entry locked by the caller.
    private func daxPteFaultIter(_ t: KTask, _ vmf: inout VMFault, _ f: Int, _ index: Int,
                                 _ slot: Int, cow: Bool) async -> FaultResult {
        let write = vmf.isWrite && !cow
        guard let map = daxIomap(f, index: index, count: 1, write: write) else { return .sigbus }
        let region = files.daxFiles[f].region
        if cow {
            // dax_fault_cow_page(): copy the block (or zeroes) into vmf->cow_page.
            guard let newPfn = await allocPages(t) else { return .oom }
            if map.kind == .mapped,
               let src = daxDirectAccess(region, block: map.block, pages: 1, extent: 1) {
                copyFrameData(from: src.pfn, to: newPfn)
            }
            mms[vmf.mm].anonVMAPrepare(at: vmf.address)
            t.exec.note("dax_fault_cow_page: index \(index) -> anon pfn \(hex(newPfn))")
            return await finishFault(t, vmf, pfn: newPfn, anon: true)
        }
        if !write && map.kind != .mapped {
            // dax_load_hole(): the zero page, a DAX_ZERO_PAGE entry.
            await daxInsertEntry(t, f, slot, pfn: memory.zeroPfn, pmd: false, zero: true)
            return await vmfInsertMixed(t, vmf, PfnT(pfn: memory.zeroPfn), mkwrite: false)
        }
        guard map.kind == .mapped else { return .sigbus }
        guard let pfn = daxDirectAccess(region, block: map.block, pages: 1,
                                        extent: map.length) else {
            return .sigbus
        }
        await daxInsertEntry(t, f, slot, pfn: pfn.pfn, pmd: false, zero: false)
        checkFreedPmem(t, pfn.pfn, .useAfterFree, "dax_iomap_pte_fault maps")
        if write && vmf.vma.flags.contains(.sync) && files.daxFiles[f].metadataDirty {
            daxFinishSyncFault(t, f)
        }
        t.exec.note("dax_iomap_pte_fault: index \(index) -> pfn \(hex(pfn.pfn))")
        switch config.era.daxInsertion {
        case .mixedMapSpecial:
            return await vmfInsertMixed(t, vmf, PfnT(pfn: pfn.pfn), mkwrite: write)
        case .devmap:
            return await vmfInsertMixed(t, vmf, pfn, mkwrite: write)
        case .refcountedFolios:
            // folio_ref_inc + vmf_insert_page_mkwrite + folio_put.
            await getPage(t, pfn.pfn)
            let r = await vmfInsertPageMkwrite(t, vmf, pfn: pfn.pfn, write: write)
            await putPage(t, pfn.pfn)
            return r
        }
    }

    /// Models the VM_FAULT_NEEDDSYNC leg of a MAP_SYNC write fault
    /// (dax_fault_synchronous_pfnp → dax_finish_sync_fault): the filesystem commits the
    /// metadata (vfs_fsync_range) before the writable entry is inserted.
    private func daxFinishSyncFault(_ t: KTask, _ f: Int) {
        files.daxFiles[f].metadataDirty = false
        t.exec.note("VM_FAULT_NEEDDSYNC: dax_finish_sync_fault fsyncs inode "
                    + "\(files.daxFiles[f].inode)")
    }

    /// Models dax_fault_check_fallback() (fs/dax.c, v5.16+; inline before): the reasons a
    /// PMD fault falls back to PTEs, or nil when none holds.
    private func daxPmdFallbackReason(_ vmf: VMFault, index: Int, maxPgoff: Int) -> String? {
        let pmdAddr = vmf.address & ~(PMD_SIZE - 1)
        if Int((vmf.address >> 12) & 511) != index & 511 { return "colour mismatch" }
        if vmf.isWrite && !vmf.vma.flags.contains(.shared) { return "write to a private mapping" }
        if pmdAddr < vmf.vma.start { return "PMD starts before the vma" }
        if pmdAddr + PMD_SIZE > vmf.vma.end { return "PMD ends after the vma" }
        if (index & ~511) | 511 >= maxPgoff { return "PMD crosses EOF" }
        return nil
    }

    /// Models dax_iomap_pmd_fault() (fs/dax.c): SIGBUS when the PMD's first index is past
    /// EOF; the fallback checks; grab a PMD entry (a conflict with PTE entries falls back);
    /// retry if a PTE table raced in; an extent shorter than 2M falls back; a read of a
    /// hole maps the huge zero PMD (dax_pmd_load_hole); a mapped 2M-aligned block is
    /// inserted (≤v6.14 vmf_insert_pfn_pmd, devmap; v6.15+ vmf_insert_folio_pmd). On
    /// FALLBACK the PMD is split (split_huge_pmd) and the PTE path runs.
    private func daxIomapPmdFault(_ t: KTask, _ vmf: inout VMFault,
                                  _ inode: InodeID) async -> FaultResult {
        guard let f = daxFile(inode: inode) else { return .fallback }
        let index = Int(vmf.vma.pageIndex(vmf.address))
        let maxPgoff = files.inodes[inode].pages
        if index & ~511 >= maxPgoff { return .sigbus }
        if let why = daxPmdFallbackReason(vmf, index: index, maxPgoff: maxPgoff) {
            t.exec.note("dax_pmd_fault: fallback (\(why))")
            return .fallback
        }
        let slot: Int
        switch await grabMappingEntry(t, f, index, pmd: true) {
        case .success(let s): slot = s
        case .failure(let stop): return stop.result
        }
        let cur = tables.read(vmf.pmd.slot, vmf.pmd.index)
        if cur != 0 && !layout.isLeaf(cur) {
            await daxUnlockEntry(t, f, slot)
            return .done
        }
        let r = await daxPmdFaultIter(t, &vmf, f, slot)
        await daxUnlockEntry(t, f, slot)
        if r == .fallback { t.exec.note("dax_pmd_fault: fallback") }
        return r
    }

    /// Models dax_fault_iter() for a PMD, the entry locked by the caller.
    private func daxPmdFaultIter(_ t: KTask, _ vmf: inout VMFault, _ f: Int,
                                 _ slot: Int) async -> FaultResult {
        let write = vmf.isWrite
        guard let map = daxIomap(f, index: slot, count: 512, write: write), map.length >= 512 else {
            return .fallback
        }
        if !write && map.kind != .mapped { return await daxPmdLoadHole(t, vmf, f, slot) }
        guard map.kind == .mapped else {
            report(.bugOn, "dax_fault_iter: WARN_ON_ONCE(iomap type not MAPPED)", t)
            return .fallback
        }
        let region = files.daxFiles[f].region
        guard let pfn = daxDirectAccess(region, block: map.block, pages: 512,
                                        extent: map.length) else {
            return .fallback
        }
        await daxInsertEntry(t, f, slot, pfn: pfn.pfn, pmd: true, zero: false)
        checkFreedPmem(t, pfn.pfn, .useAfterFree, "dax_iomap_pmd_fault maps")
        if write && vmf.vma.flags.contains(.sync) && files.daxFiles[f].metadataDirty {
            daxFinishSyncFault(t, f)
        }
        t.exec.note("dax_iomap_pmd_fault: index \(slot) -> pfn \(hex(pfn.pfn))")
        switch config.era.daxInsertion {
        case .mixedMapSpecial:
            return await vmfInsertPfnPmd(t, vmf, PfnT(pfn: pfn.pfn), write: write)
        case .devmap: return await vmfInsertPfnPmd(t, vmf, pfn, write: write)
        case .refcountedFolios: return await vmfInsertFolioPmd(t, vmf, pfn: pfn.pfn, write: write)
        }
    }

    /// Models dax_pmd_load_hole() (fs/dax.c): the huge zero page at PMD level (read-only;
    /// special in v7.x), a DAX_PMD|DAX_ZERO_PAGE entry; FALLBACK when the PMD is taken.
    private func daxPmdLoadHole(_ t: KTask, _ vmf: VMFault, _ f: Int,
                                _ slot: Int) async -> FaultResult {
        guard let zero = await getHugeZeroPage(t) else { return .fallback }
        await daxInsertEntry(t, f, slot, pfn: zero, pmd: true, zero: true)
        var deposit: TableSlot? = nil
        if Kernel.archNeedsPgtableDeposit {
            guard let s = await allocTable(t) else { return .oom }
            deposit = s
        }
        let ptl = LockID.ptl(slot: vmf.pmd.slot)
        await lock(t, ptl)
        guard tables.read(vmf.pmd.slot, vmf.pmd.index) == 0 else {
            await unlock(t, ptl)
            if let deposit { await freeTable(t, slot: deposit) }
            return .fallback
        }
        var e = layout.make(pfn: zero, prot: vmPageProt(vmf.vma) & ~PTEBits.rw) | PTEBits.pse
        if config.era.normalPageRoutine == .unified { e |= PTEBits.special }
        if let deposit { mms[vmf.mm].deposited[vmf.address & ~(PMD_SIZE - 1)] = deposit }
        await writeEntry(t, vmf.pmd, e, .pmd, "dax_pmd_load_hole")
        await unlock(t, ptl)
        return .done
    }

    /// Models the ->pfn_mkwrite / ->page_mkwrite of a shared fs-dax vma (ext4_dax_pfn_mkwrite
    /// → dax_iomap_fault at PTE size): a write to a read-only DAX PTE runs the write fault
    /// (block allocation, entry dirtying, insert_pfn's mkwrite upgrade or a new PTE when a
    /// zero-page PTE was unmapped).
    func daxPfnMkwrite(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult {
        await daxFault(t, &vmf)
    }
}
