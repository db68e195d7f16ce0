/// gup-fast: the lockless walk (mm/gup.c lockless_pages_from_mm / gup_fast; x86 up to
/// v4.12 arch/x86/mm/gup.c; reference §5). It runs with IRQs off, reads every entry once
/// (a scheduling point each), takes a speculative reference and re-reads the entry. It
/// cannot see the vma: only the bits of the entries can make it back off.
extension Kernel {
    /// Models get_user_pages_fast() / pin_user_pages_fast() (internal_get_user_pages_fast):
    /// the lockless walk, then the slow path for whatever it did not take. Returns pages
    /// taken or -errno.
    public func getUserPagesFast(_ t: KTask, mm: MMID, _ start: UInt64, _ nrPages: Int,
                                 _ flags: FollFlags, held: inout HeldPages) async -> Int {
        let err = validGupFlags(t, flags)
        if err != 0 { return err }
        guard nrPages > 0, nrPages < 1 << 28, userRangeOK(start, UInt64(nrPages) << 12) else {
            return -Errno.EFAULT
        }
        let start = start & ~(PAGE_SIZE - 1)
        var got = HeldPages()
        var seq: UInt32 = 0
        var skipFast = false
        if flags.contains(.pin) && config.has(.forkWriteProtectSeq) {
            await t.step()
            seq = mms[mm].writeProtectSeq
            skipFast = seq & 1 != 0  // fork is copying page tables
        }
        if !skipFast {
            await localIrqSave(t)
            await gupFastWalk(t, mm: mm, start, nrPages, flags, &got)
            await localIrqRestore(t)
        }
        if flags.contains(.pin) && config.has(.forkWriteProtectSeq) && !skipFast {
            await t.step()
            if mms[mm].writeProtectSeq != seq {
                t.exec.note("gup-fast: write_protect_seq changed (fork): unpin \(got.pfns.count)")
                await releaseHeld(t, got, pinned: true)
                got = HeldPages()
            }
        }
        let fastCount = got.pfns.count
        held.pfns += got.pfns
        held.pinned += got.pinned
        if fastCount == nrPages {
            checkLongtermPins(t, got, flags)
            checks.stats.gupFastSuccesses += 1
            return fastCount
        }
        checks.stats.gupFastFallbacks += 1
        t.exec.note("gup-fast took \(fastCount) of \(nrPages): slow path for the rest")
        let rest = await getUserPages(t, mm: mm, start + UInt64(fastCount) << 12,
                                      nrPages - fastCount, flags, held: &held)
        if rest < 0 { return fastCount > 0 ? fastCount : rest }
        return fastCount + rest
    }

    /// The walk proper (gup_pgd_range): stops at the first entry it cannot take.
    private func gupFastWalk(_ t: KTask, mm: MMID, _ start: UInt64, _ nrPages: Int,
                             _ flags: FollFlags, _ got: inout HeldPages) async {
        var addr = start
        let end = start + UInt64(nrPages) << 12
        while addr < end {
            // PGD (P4D folded) and PUD: one read each.
            let pgdRef = EntryRef(slot: mms[mm].pgd, index: PageTableLevel.pgd.index(addr))
            let pgd = await readEntry(t, pgdRef)
            guard pgd & PTEBits.present != 0, let pudSlot = slotOf(entry: pgd) else { return }
            let pudRef = EntryRef(slot: pudSlot, index: PageTableLevel.pud.index(addr))
            let pud = await readEntry(t, pudRef)
            guard pud & PTEBits.present != 0 else { return }
            if layout.isLeaf(pud) {
                let n = await gupFastHuge(t, pudRef, pud, .pud, addr, end, flags, &got)
                if n == 0 { return }
                addr += UInt64(n) << 12
                continue
            }
            guard let pmdSlot = slotOf(entry: pud) else {
                report(.useAfterFree, "gup-fast: pud entry points to freed table page "
                       + hex(layout.pfn(pud)), t)
                return
            }
            let pmdRef = EntryRef(slot: pmdSlot, index: PageTableLevel.pmd.index(addr))
            let pmd = await readEntry(t, pmdRef)
            guard gupFastTableStillOurs(t, mm: mm, pmdRef, pmd) else { return }
            guard layout.pmdPresent(pmd), pmd & PTEBits.present != 0 else { return }
            if layout.isLeaf(pmd) {
                let n = await gupFastHuge(t, pmdRef, pmd, .pmd, addr, end, flags, &got)
                if n == 0 { return }
                addr += UInt64(n) << 12
                continue
            }
            guard let pteSlot = slotOf(entry: pmd) else {
                report(.useAfterFree, "gup-fast: pmd entry points to freed table page "
                       + hex(layout.pfn(pmd)), t)
                return
            }
            let pmdEnd = min((addr & ~(PMD_SIZE - 1)) + PMD_SIZE, end)
            let n = await gupFastPteRange(t, pmdRef, pmd, pteSlot, addr, pmdEnd, flags, &got)
            if n < Int((pmdEnd - addr) >> 12) { return }
            addr = pmdEnd
        }
    }
}
