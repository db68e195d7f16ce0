/// Anonymous transparent huge pages at PMD level (mm/huge_memory.c).
extension Kernel {
    /// Models mm_get_huge_zero_page() (mm/huge_memory.c): the huge zero page is
    /// allocated on first use and kept.
    func getHugeZeroPage(_ t: KTask) async -> Pfn? {
        if let zero = memory.hugeZeroPfn { return zero }
        guard let pfn = await allocPages(t, order: 9) else { return nil }
        await t.step()
        // get_huge_zero_page()'s cmpxchg: a racing CPU that installed its page first
        // wins; this one's page goes back to the allocator.
        if let zero = memory.hugeZeroPfn {
            await putPage(t, pfn)
            return zero
        }
        for i in 0..<512 { withIdentity(pfn + i) { $0.flags.insert(.zero) } }
        withIdentity(pfn) { $0.flags.insert(.reserved) }
        memory.hugeZeroPfn = pfn
        return pfn
    }

    /// Models do_huge_pmd_anonymous_page() (mm/huge_memory.c): a read maps the huge zero
    /// page (use_zero_page), a write a new THP; each deposits a PTE table for a later
    /// split (pgtable_trans_huge_deposit).
    func doHugePmdAnonymousPage(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult {
        let haddr = vmf.address & ~(PMD_SIZE - 1)
        let ptl = LockID.ptl(slot: vmf.pmd.slot)
        if !vmf.isWrite && config.has(.thpHugeZeroPage) {
            guard let deposit = await allocTable(t) else { return .oom }
            guard let zero = await getHugeZeroPage(t) else {
                await freeTable(t, slot: deposit)
                return .fallback
            }
            var entry = layout.make(pfn: zero, prot: vmf.vma.pageProt & ~PTEBits.rw) | PTEBits.pse
            // v7.x marks the huge zero folio's PMD special; earlier eras leave it bare.
            if config.era.normalPageRoutine == .unified { entry |= PTEBits.special }
            await lock(t, ptl)
            if tables.read(vmf.pmd.slot, vmf.pmd.index) == 0 {
                await writeEntry(t, vmf.pmd, entry, .pmd, "set_huge_zero_page")
                mms[vmf.mm].deposited[haddr] = deposit
                await unlock(t, ptl)
            } else {
                await unlock(t, ptl)
                await freeTable(t, slot: deposit)
            }
            return .done
        }
        guard let pfn = await allocPages(t, order: 9) else { return .fallback }
        guard let deposit = await allocTable(t) else {
            await putPage(t, pfn)
            return .oom
        }
        mms[vmf.mm].anonVMAPrepare(at: vmf.address)
        var entry = layout.make(pfn: pfn, prot: vmf.vma.pageProt) | PTEBits.pse
        if vmf.vma.flags.contains(.write) { entry |= PTEBits.rw | PTEBits.dirty }
        await lock(t, ptl)
        guard tables.read(vmf.pmd.slot, vmf.pmd.index) == 0 else {
            await unlock(t, ptl)
            await putPage(t, pfn)
            await freeTable(t, slot: deposit)
            return .done
        }
        withPage(pfn) {
            $0.entireMapcount = 1
            $0.flags.formUnion([.anon, .anonExclusive, .swapBacked, .uptodate])
        }
        mms[vmf.mm].anonPages += 512
        await writeEntry(t, vmf.pmd, entry, .pmd, "__do_huge_pmd_anonymous_page")
        mms[vmf.mm].deposited[haddr] = deposit
        await unlock(t, ptl)
        return .done
    }

    /// Models do_huge_pmd_wp_page() (mm/huge_memory.c): a write to a read-only huge PMD.
    /// v5.8+ ("thp: change CoW semantics for anon-THP"): the huge zero page and a shared
    /// THP are split and the write is retried at PTE level; before, a new THP was
    /// allocated for the writer. Where the era has do_huge_zero_wp_pmd() the huge zero
    /// page is replaced by a fresh THP again, and split only when none can be allocated.
    func doHugePmdWpPage(_ t: KTask, _ vmf: inout VMFault, _ pmd: UInt64) async -> FaultResult {
        let pfn = layout.pfn(pmd)
        let ptl = LockID.ptl(slot: vmf.pmd.slot)
        if !isHugeZero(pfn) {
            await lock(t, ptl)
            guard tables.read(vmf.pmd.slot, vmf.pmd.index) == pmd else {
                await unlock(t, ptl)
                return .done
            }
            let unshare = vmf.flags.contains(.unshare) && !vmf.isWrite
            if canReuseAnon(pfn) && unshare {
                withState(pfn) { $0.flags.insert(.anonExclusive) }  // FAULT_FLAG_UNSHARE
                await unlock(t, ptl)
                return .done
            }
            if unshare {
                // Not exclusive: split and unshare the 4K page at PTE level.
                await unlock(t, ptl)
                await splitHugePmd(t, vmf, reason: "do_huge_pmd_wp_page(unshare)")
                return .fallback
            }
            if canReuseAnon(pfn) {
                withState(pfn) { $0.flags.insert(.anonExclusive) }
                await writeEntry(t, vmf.pmd, pmd | mkwriteBits(vmf.vma) | PTEBits.dirty
                                 | PTEBits.accessed, .pmd, "do_huge_pmd_wp_page(reuse)")
                t.faultBrokeCow = true
                await unlock(t, ptl)
                return .done
            }
            await unlock(t, ptl)
        }
        let zeroToThp = isHugeZero(pfn) && config.era.hugeZeroWpAllocatesThp
        if config.has(.thpCowSplit) && !zeroToThp {
            await splitHugePmd(t, vmf, reason: "do_huge_pmd_wp_page")
            return .fallback
        }
        // Pre-v5.8 semantics, or do_huge_zero_wp_pmd(): a THP for the writer, copied or clear.
        guard let newPfn = await allocPages(t, order: 9) else {
            await splitHugePmd(t, vmf, reason: "do_huge_pmd_wp_page(fallback)")
            return .fallback
        }
        if !isHugeZero(pfn) {
            for i in 0..<512 { copyFrameData(from: pfn + i, to: newPfn + i) }
        }
        await lock(t, ptl)
        guard tables.read(vmf.pmd.slot, vmf.pmd.index) == pmd else {
            await unlock(t, ptl)
            await putPage(t, newPfn)
            return .done
        }
        withPage(newPfn) {
            $0.entireMapcount = 1
            $0.flags.formUnion([.anon, .anonExclusive, .swapBacked, .uptodate])
        }
        let entry = layout.make(pfn: newPfn, prot: vmf.vma.pageProt) | PTEBits.pse
            | mkwriteBits(vmf.vma) | PTEBits.dirty
        t.faultBrokeCow = true
        await writeEntry(t, vmf.pmd, 0, .pmd, "pmdp_huge_clear_flush")
        await flushTLBRange(t, mm: vmf.mm, vmf.address & ~(PMD_SIZE - 1), PMD_SIZE)
        await writeEntry(t, vmf.pmd, entry, .pmd,
                         zeroToThp ? "do_huge_zero_wp_pmd" : "do_huge_pmd_wp_page(copy)")
        mms[vmf.mm].anonVMAPrepare(at: vmf.address)
        if isHugeZero(pfn) {
            mms[vmf.mm].anonPages += 512
            await unlock(t, ptl)
        } else {
            withMapcounts(pfn) { $0.entire -= 1 }
            await unlock(t, ptl)
            await putPage(t, pfn)
        }
        return .done
    }

    /// Models __split_huge_pmd() → __split_huge_pmd_locked() (mm/huge_memory.c): the
    /// huge PMD becomes a PTE table (the deposited one) of 512 entries to the subpages;
    /// each PTE takes a reference and a mapcount of its own. For the huge zero page the
    /// PTEs map the small zero page.
    func splitHugePmd(_ t: KTask, _ vmf: VMFault, reason: StaticString) async {
        let ptl = LockID.ptl(slot: vmf.pmd.slot)
        let haddr = vmf.address & ~(PMD_SIZE - 1)
        await lock(t, ptl)
        let pmd = tables.read(vmf.pmd.slot, vmf.pmd.index)
        if layout.isLeaf(pmd) && (vmf.vma.isDax
                                  || !vmf.vma.flags.intersection([.pfnMap, .mixedMap]).isEmpty) {
            // vma_is_special_huge(): the PMD is only cleared (pmdp_huge_clear_flush); the
            // next fault maps the range again, at PTE level if the PMD path falls back.
            await writeEntry(t, vmf.pmd, 0, .pmd, "pmdp_huge_clear_flush(special)")
            await flushTLBRange(t, mm: vmf.mm, haddr, PMD_SIZE)
            // v6.15+ DAX PMDs map refcounted folios: the split drops rmap and reference.
            let pfn = layout.pfn(pmd)
            let folio = !isHugeZero(pfn) && memory.memmap.pfnValid(pfn)
                && mapcounts(pfn).entire > 0
            if folio {
                withMapcounts(pfn) { $0.entire -= 1 }
                mms[vmf.mm].filePages -= 512
            }
            await unlock(t, ptl)
            if folio { await putPage(t, pfn) }
            return
        }
        guard layout.isLeaf(pmd), let deposit = mms[vmf.mm].deposited.removeValue(forKey: haddr)
        else {
            await unlock(t, ptl)
            return
        }
        let pfn = layout.pfn(pmd)
        // pmdp_invalidate(): clear and flush before the PTEs become visible.
        await writeEntry(t, vmf.pmd, 0, .pmd, "pmdp_invalidate")
        await flushTLBRange(t, mm: vmf.mm, haddr, PMD_SIZE)
        let keep = pmd & (PTEBits.rw | PTEBits.dirty | PTEBits.accessed | PTEBits.user
                          | PTEBits.present | PTEBits.nx)
        if isHugeZero(pfn) {
            let zero = layout.mkSpecial(layout.make(pfn: memory.zeroPfn, prot: keep & ~PTEBits.rw))
            for i in 0..<512 { tables.write(deposit, i, zero) }
        } else {
            for i in 0..<512 {
                tables.write(deposit, i, layout.make(pfn: pfn + i, prot: keep))
                withMapcounts(pfn + i) { $0.mapcount += 1 }
            }
            withPage(pfn) {
                $0.entireMapcount -= 1
                $0.refcount += 511
            }
        }
        let table = layout.make(pfn: tables.pfn(ofSlot: deposit), prot: PTEBits.table)
        await writeEntry(t, vmf.pmd, table, .pmd, reason)
        await unlock(t, ptl)
    }
}
