import MMExplore

/// hugetlb PMD sharing on x86-64 (ARCH_WANT_HUGE_PMD_SHARE, mm/hugetlb.c; reference
/// §8.1): MAP_SHARED mappings of the same hugetlbfs file that each cover a whole
/// 1G-aligned range at the same file offset point their PUD entries at one PMD table.
extension Kernel {
    /// Models want_pmd_share() / vma_shareable(): VM_MAYSHARE, the aligned PUD range
    /// inside the vma, and (v6.1+) the vma lock exists. (uffd-wp is not modelled.)
    func wantPmdShare(_ vma: VMA, _ addr: UInt64) -> Bool {
        let base = addr & ~(PUD_SIZE - 1)
        guard vma.flags.contains(.mayShare), base >= vma.start, base + PUD_SIZE <= vma.end else {
            return false
        }
        if config.era.hugetlbFaultLocking == .vmaLock { return hugetlbVmaLinked(vma) }
        return true
    }

    /// Models page_table_shareable(): where `svma` maps file page `idx`, if its table can
    /// serve `vma` at `addr`: the same pmd_index, equal vm_flags ignoring VM_LOCKED, the
    /// PUD window inside svma, and (v6.1+) svma has a vma lock. nil when not shareable.
    func pageTableShareable(_ svma: VMA, _ vma: VMA, _ addr: UInt64, _ idx: UInt64) -> UInt64? {
        let saddr = ((idx - svma.pgoff) << 12) + svma.start
        let sbase = saddr & ~(PUD_SIZE - 1)
        guard PageTableLevel.pmd.index(addr) == PageTableLevel.pmd.index(saddr),
              vma.flags.subtracting(.locked) == svma.flags.subtracting(.locked),
              sbase >= svma.start, sbase + PUD_SIZE <= svma.end else { return nil }
        if case .hugetlb = svma.backing, config.era.hugetlbFaultLocking == .vmaLock,
           !hugetlbVmaLinked(svma) { return nil }
        return saddr
    }

    /// Models huge_pte_offset() for another process's tables, read locklessly as the
    /// kernel does (one scheduling point per level): the PMD entry's ref, or nil when a
    /// level is missing.
    func hugePteOffset(_ t: KTask, mm: MMID, _ addr: UInt64) async -> EntryRef? {
        var slot = mms[mm].pgd
        for level in [PageTableLevel.pgd, .pud] {
            let e = await readEntry(t, EntryRef(slot: slot, index: level.index(addr)))
            guard e != 0, level == .pgd || !layout.isLeaf(e), let next = slotOf(entry: e) else {
                return nil
            }
            slot = next
        }
        return EntryRef(slot: slot, index: PageTableLevel.pmd.index(addr))
    }

    /// The other vmas that map file page `idx` of `backing`: the i_mmap interval-tree walk
    /// (vma_interval_tree_foreach), in process order. One scheduling point reads the vma
    /// lists of every live process.
    func iMmapVMAs(_ t: KTask, _ backing: VMABacking, idx: UInt64,
                   skip: (mm: MMID, start: UInt64)) async -> [(mm: MMID, vma: VMA)] {
        await t.step()
        var out: [(mm: MMID, vma: VMA)] = []
        for mm in mms.ids where !mms[mm].exited {
            for v in mms[mm].vmas where v.backing == backing {
                guard v.pgoff <= idx, idx < v.pgoff + (v.length >> 12) else { continue }
                if mm == skip.mm && v.start == skip.start { continue }
                if case .hugetlb = backing, !hugetlbVmaLinked(v) { continue }
                out.append((mm, v))
            }
        }
        return out
    }

    /// Models huge_pmd_share(): under i_mmap_rwsem (≤v5.6 taken for write here; v5.7–6.0
    /// held for read by the fault; v6.1+ taken for read here) walk the file's mappings at
    /// the index; for the first shareable one with a PMD table, take a share (≤v6.12
    /// get_page on the table page, later pt_share_count), then under that table's PT lock
    /// point our PUD at it if it is still none, else drop the share. Then pmd_alloc()
    /// inside the same i_mmap_rwsem section. Returns the PMD entry's ref, nil on OOM.
    func hugePmdShare(_ t: KTask, mm: MMID, vma: VMA, _ addr: UInt64, pud: EntryRef,
                      inode: InodeID) async -> EntryRef? {
        let locking = config.era.hugetlbFaultLocking
        switch locking {
        case .shareTakesIMmapWrite: await lock(t, .iMmap(inode: inode))
        case .vmaLock: await lockShared(t, .iMmap(inode: inode))
        case .faultTakesIMmapRead: break
        }
        let idx = vma.pageIndex(addr)
        for (smm, svma) in await iMmapVMAs(t, vma.backing, idx: idx, skip: (mm, vma.start)) {
            guard let saddr = pageTableShareable(svma, vma, addr, idx),
                  let spte = await hugePteOffset(t, mm: smm, saddr) else { continue }
            let tablePfn = tables.pfn(ofSlot: spte.slot)
            await pmdShareInc(t, slot: spte.slot)
            let ptl = LockID.ptl(slot: spte.slot)
            await lock(t, ptl)
            if await readEntry(t, pud) == 0 {
                await writeEntry(t, pud, layout.make(pfn: tablePfn, prot: PTEBits.table), .pud,
                                 "huge_pmd_share: pud_populate")
                hugetlb.shares += 1
                hugetlb.givenUp.removeAll { $0.mm == mm && $0.slot == spte.slot }
                t.exec.note("huge_pmd_share: mm\(mm) shares mm\(smm)'s PMD table pfn "
                            + "\(hex(tablePfn))")
            } else {
                await pmdShareDec(t, slot: spte.slot)
            }
            await unlock(t, ptl)
            break
        }
        let ref = await allocWalk(t, mm: mm, addr, to: .pmd)
        switch locking {
        case .shareTakesIMmapWrite: await unlock(t, .iMmap(inode: inode))
        case .vmaLock: await unlockShared(t, .iMmap(inode: inode))
        case .faultTakesIMmapRead: break
        }
        return ref
    }

    /// How many other page tables share the PMD table in `slot` (0: not shared):
    /// page_count() - 1 of the table page (≤v6.12) or its pt_share_count (§8.1).
    func pmdShareCount(slot: TableSlot) -> Int {
        let pfn = tables.pfn(ofSlot: slot)
        switch config.era.hugetlbShareCount {
        case .pageRefcount:
            return max(Int(page(pfn).refcount) - 1, 0)
        case .ptShareCount:
            guard slot.raw < hugetlb.shareCount.count,
                  hugetlb.shareCountPfn[slot.raw] == Pfn.packed(pfn) else { return 0 }
            return Int(hugetlb.shareCount[slot.raw])
        }
    }

    /// Takes one share of the PMD table in `slot`: get_page() on the table page, or
    /// ptdesc_pmd_pts_inc() / atomic_inc(&pt_share_count).
    private func pmdShareInc(_ t: KTask, slot: TableSlot) async {
        let pfn = tables.pfn(ofSlot: slot)
        switch config.era.hugetlbShareCount {
        case .pageRefcount:
            await getPage(t, pfn)
        case .ptShareCount:
            await t.step()
            let n = pmdShareCount(slot: slot)
            if slot.raw >= hugetlb.shareCount.count {
                let grow = slot.raw + 1 - hugetlb.shareCount.count
                hugetlb.shareCount += repeatElement(0, count: grow)
                hugetlb.shareCountPfn += repeatElement(-1, count: grow)
            }
            hugetlb.shareCount[slot.raw] = Int32(n + 1)
            hugetlb.shareCountPfn[slot.raw] = Pfn.packed(pfn)
            t.exec.note("pt_share_count pfn \(hex(pfn)) \(n) -> \(n + 1)")
        }
    }

    /// Drops one share of the PMD table in `slot`: put_page() or ptdesc_pmd_pts_dec().
    private func pmdShareDec(_ t: KTask, slot: TableSlot) async {
        let pfn = tables.pfn(ofSlot: slot)
        switch config.era.hugetlbShareCount {
        case .pageRefcount:
            await putPage(t, pfn)
        case .ptShareCount:
            await t.step()
            let n = pmdShareCount(slot: slot)
            guard n > 0 else {
                report(.bugOn, "pt_share_count of PMD table pfn \(hex(pfn)) underflow", t)
                return
            }
            hugetlb.shareCount[slot.raw] = Int32(n - 1)
            t.exec.note("pt_share_count pfn \(hex(pfn)) \(n) -> \(n - 1)")
        }
    }

    /// Models huge_pmd_unshare() → __huge_pmd_unshare(): called with the PMD table's PT
    /// lock and i_mmap_rwsem for write (v6.1+: and the vma lock for write). If the table
    /// at `pmd` is shared, clear our PUD, drop our share and nr_pmds; the caller must
    /// flush the whole PUD range before it drops i_mmap_rwsem (unshareFlush). Returns
    /// true when it unshared.
    func hugePmdUnshare(_ t: KTask, mm: MMID, vma: VMA, _ addr: UInt64,
                        pmd: EntryRef) async -> Bool {
        guard case .hugetlb(let inode) = vma.backing else { return false }
        if config.era.hugetlbShareCount == .ptShareCount { await t.step() }
        guard pmdShareCount(slot: pmd.slot) > 0 else { return false }
        if lockState(.iMmap(inode: inode)).writer != Int32(t.exec.index) {
            report(.bugOn, "huge_pmd_unshare without i_mmap_rwsem held for write "
                   + "(i_mmap_assert_write_locked)", t)
        }
        guard let pud = findEntry(mm: mm, addr, at: .pud) else { return false }
        await writeEntry(t, pud, 0, .pud, "huge_pmd_unshare: pud_clear")
        if config.has(.hugetlbUnshareGupFastSync) {
            // Once the rmap lock is dropped another process may use the table as its own:
            // wait for gup-fast walkers still in it (v6.16).
            await tlbRemoveTableSyncOne(t)
        }
        await pmdShareDec(t, slot: pmd.slot)
        hugetlb.unshares += 1
        hugetlb.givenUp.append(GivenUpTable(mm: mm, slot: pmd.slot,
                                            epoch: page(tables.pfn(ofSlot: pmd.slot)).epoch,
                                            inode: inode))
        return true
    }

    /// The TLB rule of unshare (§8.1), as the unmap and truncate paths
    /// (__unmap_hugepage_range) apply it once their unshares are done and before
    /// i_mmap_rwsem is dropped. With `hugetlb_unshare_pud_flush` (v5.16+) the whole PUD
    /// range the shared table mapped is flushed: tlb_flush_pmd_range(addr & PUD_MASK,
    /// PUD_SIZE) + force_flush → tlb_flush_mmu_tlbonly (Debian 6.1.192/6.12: the backported
    /// 2025 rework, tlb_unshare_pmd_ptdesc + huge_pmd_unshare_flush, whose IPI goes to lazy
    /// CPUs too once a table became exclusive). Without it (before "hugetlbfs: flush TLBs
    /// correctly after huge_pmd_unshare") nothing is flushed for the unshared range: the
    /// mmu_gather only holds what was cleared. `hugetlb_unshare_narrow_flush` flushes the
    /// unmapped huge page only.
    func hugePmdUnshareFlush(_ t: KTask, mm: MMID, vma: VMA, _ addr: UInt64) async {
        let start = addr & ~(PMD_SIZE - 1)
        if config.has(.hugetlbUnshareNarrowFlush) {
            t.exec.note("unshare flush narrowed to \(hex(start))+2M (hugetlb_unshare_narrow_flush)")
            await flushTLBRange(t, mm: mm, start, PMD_SIZE)
            return
        }
        guard config.has(.hugetlbUnsharePudFlush) else {
            t.exec.note("huge_pmd_unshare at \(hex(start)): no flush of the unshared PUD range "
                        + "(-hugetlb_unshare_pud_flush)")
            return
        }
        await flushTLBRange(t, mm: mm, addr & ~(PUD_SIZE - 1), PUD_SIZE,
                            freedTables: config.era.hugetlbFaultLocking == .vmaLock)
    }

    /// Models adjust_range_if_pmd_sharing_possible(): widen `[start, end)` to PUD
    /// boundaries where the vma spans an aligned PUD that could be shared.
    func adjustRangeIfPmdSharingPossible(_ vma: VMA, _ start: inout UInt64, _ end: inout UInt64) {
        let vStart = (vma.start + PUD_SIZE - 1) & ~(PUD_SIZE - 1)
        let vEnd = vma.end & ~(PUD_SIZE - 1)
        guard vma.flags.contains(.mayShare), vEnd > vStart, end > vStart, start < vEnd else {
            return
        }
        if start > vStart { start &= ~(PUD_SIZE - 1) }
        if end < vEnd { end = (end + PUD_SIZE - 1) & ~(PUD_SIZE - 1) }
    }

    /// The pfn of the PMD table page holding the PMD entry of `addr` in `mm` (0 when the
    /// PUD has none): what `observe ... .pmd_table` shows, equal in two processes that
    /// share the table.
    public func pmdTablePfn(mm: MMID, _ addr: UInt64) -> Pfn {
        guard let ref = findEntry(mm: mm, addr, at: .pmd) else { return Pfn(0) }
        return tables.pfn(ofSlot: ref.slot)
    }

    /// The checker of lockless walks through a PMD table their mm gave up (huge_pmd_unshare
    /// vs gup-fast, CVE-2025-38085): gup-fast read `e` at `ref` after reading a PUD that
    /// pointed to the table. While the table still maps the shared file's huge pages (or
    /// nothing) the walk sees what its mm mapped; any other entry — another process's PTE
    /// table or page, installed after the unshare — is `foreign-table-walk`. Returns
    /// false then (the walk stops).
    func gupFastTableStillOurs(_ t: KTask, mm: MMID, _ ref: EntryRef, _ e: UInt64) -> Bool {
        guard !hugetlb.givenUp.isEmpty, e != 0 else { return true }
        let pfn = tables.pfn(ofSlot: ref.slot)
        guard let rec = hugetlb.givenUp.first(where: {
            $0.mm == mm && $0.slot == ref.slot && $0.epoch == shape(pfn).epoch
        }) else { return true }
        if layout.isLeaf(e), let f = hugetlbFile(inode: rec.inode),
           hugetlb.files[f].pages.contains(Pfn.packed(compoundHead(layout.pfn(e)))) {
            return true
        }
        report(.foreignTableWalk, "gup-fast: PMD table page \(hex(pfn)) was unshared by mm\(mm) "
               + "during the walk and now holds another process's entry \(layout.describe(e))", t)
        return false
    }

    /// A walker that found PMD table page `pfn` at `ref.slot` checks it is still that
    /// table before using it: a table freed meanwhile (by an unshare and the last
    /// sharer's teardown) is a use-after-free of the table page. The use is a scheduling
    /// point that reads the table page (its struct page: freeing it conflicts). Returns
    /// false then.
    func pmdTableStillLive(_ t: KTask, _ ref: EntryRef, pfn: Pfn, _ who: String) async -> Bool {
        await t.step()
        if tables.pfn(ofSlot: ref.slot) == pfn && shape(pfn).flags.contains(.table) {
            return true
        }
        report(.useAfterFree, "\(who): PMD table page \(hex(pfn)) was freed after the walk "
               + "found it (unshared, then torn down by its last sharer)", t)
        return false
    }
}
