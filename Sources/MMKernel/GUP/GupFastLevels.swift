/// gup-fast's per-level rules (gup_pte_range, gup_huge_pmd/pud, __gup_device_huge;
/// reference §5.3).
extension Kernel {
    /// Models gup_pte_range(): returns the number of pages taken from this table.
    func gupFastPteRange(_ t: KTask, _ pmdRef: EntryRef, _ pmd: UInt64, _ slot: TableSlot,
                         _ start: UInt64, _ end: UInt64, _ flags: FollFlags,
                         _ got: inout HeldPages) async -> Int {
        let write = flags.contains(.write)
        var taken = 0
        var pgmap: PgmapID? = nil
        var addr = start
        loop: while addr < end {
            // The generic gup-fast walks PTEs only with ARCH_HAS_PTE_SPECIAL; without it
            // gup_pte_range always fails (reference §5.3).
            if layout.special == 0 { break loop }
            let ref = EntryRef(slot: slot, index: PageTableLevel.pte.index(addr))
            let pte = await readEntry(t, ref)
            guard gupFastTableLive(t, pmd, slot) else { break loop }
            guard layout.accessPermitted(pte, write: write) else { break loop }
            let pfn = layout.pfn(pte)
            if layout.isDevmap(pte) {
                // devmap is tested before special: on x86 a devmap PTE is also special.
                if flags.contains(.longterm) { break loop }
                if config.has(.gupFastPgmapCheck) {
                    checks.stats.getDevPagemapCalls += 1
                    if let p = pgmap, pgmapInfo(p).contains(pfn) {
                        // get_dev_pagemap(pfn, pgmap): the cached pgmap covers it.
                    } else {
                        if let p = pgmap { await putDevPagemap(t, p) }
                        pgmap = await getDevPagemap(t, pfn: pfn)
                        if pgmap == nil {
                            // undo_dev_pagemap(): drop what this table took.
                            await undoTaken(t, &got, taken, flags)
                            taken = 0
                            break loop
                        }
                    }
                }
            } else if layout.isSpecial(pte) && config.has(.gupFastSpecialCheck) {
                t.exec.note("gup-fast: special pte \(hex(addr)): fall back")
                break loop
            }
            let r = await tryGrabFolio(t, pfn, refs: 1, flags, fast: true)
            if case .failed = r { break loop }
            if config.has(.gupFastPteRecheck) {
                // Re-read (generic gup-fast, knob gup_fast_pte_recheck): the entries must
                // not have changed under the speculative ref (an unmap or a migration
                // entry replaced the PTE). The PMD too only with gup_fast_pmd_recheck ("mm:
                // gup: fix the fast GUP race against THP collapse", v6.0): a collapse
                // clears the PMD, not the PTE.
                let pmdNow = config.has(.gupFastPmdRecheck) ? await readEntry(t, pmdRef) : pmd
                let pteNow = await readEntry(t, ref)
                if pmdNow != pmd || pteNow != pte {
                    t.exec.note("gup-fast: entry changed under us at \(hex(addr)): drop, fall back")
                    if r == .grabbed {
                        await gupPutFolio(t, pfn, refs: 1, pinned: flags.contains(.pin))
                    }
                    break loop
                }
            }
            if !layout.isWrite(pte) && gupMustUnshare(flags, pfn) {
                t.exec.note("gup-fast: R/O pin of a shared anon page \(hex(addr)): fall back")
                if r == .grabbed { await gupPutFolio(t, pfn, refs: 1, pinned: true) }
                break loop
            }
            got.pfns.append(pfn)
            got.pinned.append(flags.contains(.pin))
            taken += 1
            addr += PAGE_SIZE
        }
        if let p = pgmap { await putDevPagemap(t, p) }
        return taken
    }

    /// The checker of a lockless walk: the PTE table `slot`, which gup-fast reached
    /// through `pmd` before, must still be a table page. When it was freed since (a
    /// collapse or zap freed it while this CPU had IRQs off, and nothing waited for it),
    /// the read went to a freed page: `use-after-free`, and the walk stops.
    private func gupFastTableLive(_ t: KTask, _ pmd: UInt64, _ slot: TableSlot) -> Bool {
        let p = identity(layout.pfn(pmd))
        if p.flags.contains(.table) && Int(p.index) == slot.raw { return true }
        report(.useAfterFree, "gup-fast: read a PTE of table page \(hex(layout.pfn(pmd))), "
               + "freed since the PMD was read", t)
        return false
    }

    /// Drops the last `n` pages of `got` (undo_dev_pagemap()).
    private func undoTaken(_ t: KTask, _ got: inout HeldPages, _ n: Int, _ flags: FollFlags) async {
        for _ in 0..<n {
            let pfn = got.pfns.removeLast()
            _ = got.pinned.removeLast()
            await gupPutFolio(t, pfn, refs: 1, pinned: flags.contains(.pin))
        }
    }

    /// Models gup_huge_pmd()/gup_huge_pud() and __gup_device_huge_pmd/pud(): returns the
    /// number of 4K pages taken from the leaf (0 = stop, fall back).
    func gupFastHuge(_ t: KTask, _ ref: EntryRef, _ e: UInt64, _ level: PageTableLevel,
                     _ addr: UInt64, _ end: UInt64, _ flags: FollFlags,
                     _ got: inout HeldPages) async -> Int {
        guard layout.accessPermitted(e, write: flags.contains(.write)) else { return 0 }
        if layout.pmdIsSpecial(e) { return 0 }  // 6.12+: pmd_special/pud_special
        let leafEnd = min((addr & ~(level.size - 1)) + level.size, end)
        let n = Int((leafEnd - addr) >> 12)
        let first = layout.pfn(e) + Int((addr & (level.size - 1)) >> 12)
        if layout.isDevmap(e) {
            if flags.contains(.longterm) { return 0 }
            var pgmap: PgmapID? = nil
            for i in 0..<n {
                if config.has(.gupFastPgmapCheck) {
                    checks.stats.getDevPagemapCalls += 1
                    if pgmap == nil || !pgmapInfo(pgmap!).contains(first + i) {
                        if let p = pgmap { await putDevPagemap(t, p) }
                        pgmap = await getDevPagemap(t, pfn: first + i)
                        if pgmap == nil {
                            await undoTaken(t, &got, i, flags)
                            return 0
                        }
                    }
                }
                if case .failed = await tryGrabFolio(t, first + i, refs: 1, flags, fast: true) {
                    await undoTaken(t, &got, i, flags)
                    if let p = pgmap { await putDevPagemap(t, p) }
                    return 0
                }
                got.pfns.append(first + i)
                got.pinned.append(flags.contains(.pin))
            }
            if let p = pgmap { await putDevPagemap(t, p) }
            if await readEntry(t, ref) != e {
                await undoTaken(t, &got, n, flags)
                return 0
            }
            return n
        }
        // Treated as a THP: one grab of n references on pmd_page(). A bare PSE leaf whose
        // pfn has no struct page is dereferenced all the same (the TTM bug, §10.2).
        // try_grab_compound_head(pmd_page(orig), refs): the references go to the first page
        // of the block, while the pages array records the subpages — for a real THP both
        // name the same folio; for a driver's non-compound block they do not.
        let head = layout.pfn(e)
        if case .failed = await tryGrabFolio(t, head, refs: Int32(n), flags, fast: true) {
            return 0
        }
        if config.has(.gupFastPteRecheck), await readEntry(t, ref) != e {
            await gupPutFolio(t, head, refs: Int32(n), pinned: flags.contains(.pin))
            return 0
        }
        if !layout.isWrite(e) && gupMustUnshare(flags, head) {
            await gupPutFolio(t, head, refs: Int32(n), pinned: true)
            return 0
        }
        for i in 0..<n {
            got.pfns.append(first + i)
            got.pinned.append(flags.contains(.pin))
        }
        return n
    }
}
