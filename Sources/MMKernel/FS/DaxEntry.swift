import MMExplore

/// DAX entry locking in the mapping xarray (fs/dax.c; reference §7.1).
extension Kernel {
    /// The slot holding the entry that covers `index`: the 512-aligned slot when it holds
    /// a PMD entry, else `index` itself.
    func daxSlot(_ f: Int, _ index: Int) -> Int {
        files.daxEntries.pmdEntry(f, covering: index) != 0 ? index & ~511 : index
    }

    /// Models grab_mapping_entry() (fs/dax.c): waits while the entry is locked
    /// (get_unlocked_entry on the hashed waitqueue); a PMD request over PTE entries is a
    /// conflict (FALLBACK); an order-0 request finding a zero or empty PMD entry
    /// downgrades it (unmap the huge zero PMDs everywhere, delete, wake). Returns the
    /// locked entry's slot, or the fault result when it cannot.
    func grabMappingEntry(_ t: KTask, _ f: Int, _ index: Int,
                          pmd: Bool) async -> Result<Int, FaultStop> {
        let ino = files.daxFiles[f].inode
        while true {
            guard index < files.daxEntries.count(f) else {
                return .failure(FaultStop(result: .sigbus))  // truncated meanwhile
            }
            let slot = pmd ? index & ~511 : daxSlot(f, index)
            await t.step()
            guard slot < files.daxEntries.count(f) else {
                // Only without the era's invalidate lock can truncate shrink the file here.
                t.exec.note("grab_mapping_entry: index \(slot) beyond the truncated file")
                return .failure(FaultStop(result: .sigbus))
            }
            let e = files.daxEntries.entry(f, slot)
            if e & DaxEntryBits.locked != 0 {
                t.exec.note("get_unlocked_entry: inode \(ino) index \(slot) locked, wait")
                await t.exec.block(on: Obj.daxEntry(f, slot))
                continue
            }
            if pmd {
                let base = index & ~511
                let end = min(base + 512, files.daxEntries.count(f))
                let ptes = e & DaxEntryBits.pmd == 0
                    && (base..<end).contains(where: { files.daxEntries.entry(f, $0) != 0 })
                if ptes {
                    t.exec.note("grab_mapping_entry: PMD over PTE entries at \(base): fallback")
                    return .failure(FaultStop(result: .fallback))
                }
            } else if e & DaxEntryBits.pmd != 0
                && e & (DaxEntryBits.zero | DaxEntryBits.empty) != 0 {
                // Downgrade: lock, unmap the huge zero PMDs, delete, wake.
                files.daxEntries.set(f, slot, e | DaxEntryBits.locked)
                await daxUnmapMappingPages(t, f, from: slot, count: 512)
                await t.step()
                files.daxEntries.set(f, slot, 0)
                t.exec.note("grab_mapping_entry: downgrade PMD entry at \(slot)")
                t.exec.wake(Obj.daxEntry(f, slot))
                continue
            }
            files.daxEntries.set(f, slot, e == 0
                ? DaxEntryBits.empty | DaxEntryBits.locked | (pmd ? DaxEntryBits.pmd : 0)
                : e | DaxEntryBits.locked)
            return .success(slot)
        }
    }

    /// Models dax_unlock_entry() / put_unlocked_entry(): clears LOCKED (an EMPTY entry
    /// nobody filled is deleted) and wakes the waiters.
    func daxUnlockEntry(_ t: KTask, _ f: Int, _ slot: Int) async {
        await t.step()
        guard slot < files.daxEntries.count(f) else {
            internalError("dax_unlock_entry: index \(slot) beyond the file's entries (truncated "
                          + "under a locked entry)", t)
            return
        }
        var e = files.daxEntries.entry(f, slot) & ~DaxEntryBits.locked
        if e & DaxEntryBits.empty != 0 { e = 0 }
        files.daxEntries.set(f, slot, e)
        t.exec.wake(Obj.daxEntry(f, slot))
    }

    /// Models dax_insert_entry() (fs/dax.c): replacing a zero or empty entry by a real one
    /// first unmaps the zero pages (unmap_mapping_pages over the entry), disassociates
    /// nothing and associates the new pages (page->mapping/index; v6.15+ also makes the
    /// folio of the entry's order, dax_folio_init). The entry stays locked.
    func daxInsertEntry(_ t: KTask, _ f: Int, _ slot: Int, pfn: Pfn, pmd: Bool, zero: Bool) async {
        let old = files.daxEntries.entry(f, slot)
        let n = pmd ? 512 : 1
        if old & DaxEntryBits.zero != 0 && !zero {
            await daxUnmapMappingPages(t, f, from: slot, count: n)
        }
        if !zero && old & (DaxEntryBits.zero | DaxEntryBits.empty) != 0 || old == 0 && !zero {
            daxAssociate(t, f, slot, pfn: pfn, count: n)
        }
        await t.step()
        files.daxEntries.set(f, slot, UInt64(pfn.raw) << 4 | DaxEntryBits.locked
            | (pmd ? DaxEntryBits.pmd : 0) | (zero ? DaxEntryBits.zero : 0))
    }

    /// Models dax_associate_entry(): each page learns its mapping and index (the
    /// kernel WARNs when a page is already associated); v6.15+ dax_folio_init makes a PMD
    /// entry's pages one order-9 folio.
    private func daxAssociate(_ t: KTask, _ f: Int, _ slot: Int, pfn: Pfn, count: Int) {
        let ino = InodeID.packed(files.daxFiles[f].inode)
        for i in 0..<count where memory.memmap.pfnValid(pfn + i) {
            let p = page(pfn + i)
            _ = bugOn(p.inode >= 0 && p.inode != ino,
                      "dax_associate_entry: WARN_ON_ONCE(page->mapping) pfn \(hex(pfn + i))", t)
            withPage(pfn + i) {
                $0.inode = ino
                $0.index = UInt32(slot + i)
            }
        }
        if count == 512 && config.era.daxInsertion == .refcountedFolios
            && memory.memmap.pfnValid(pfn) {
            makeCompound(start: pfn, count: 512, order: 9)
        }
    }

    /// Models unmap_mapping_pages(mapping, index, count, even_cows=false) for a DAX file:
    /// zaps the shared mappings of `[from, from+count)` in every process (i_mmap walk).
    func daxUnmapMappingPages(_ t: KTask, _ f: Int, from: Int, count: Int,
                              evenCows: Bool = false) async {
        let ino = files.daxFiles[f].inode
        await lockShared(t, .iMmap(inode: ino))
        for mm in mms.ids where !mms[mm].exited {
            for v in mms[mm].vmas {
                guard case .fsDax(let i) = v.backing, i == ino else { continue }
                if !evenCows && !v.flags.contains(.shared) && mms[mm].hasAnonVMA(v) { continue }
                let first = max(UInt64(from), v.pgoff)
                let last = min(UInt64(from + count), v.pgoff + (v.length >> 12))
                guard first < last else { continue }
                let start = v.start + ((first - v.pgoff) << 12)
                let end = v.start + ((last - v.pgoff) << 12)
                var tlb = MMUGather(mm: mm)
                await zapRange(t, mm: mm, vma: v, start, end, &tlb)
                await tlbFlushMMU(t, &tlb)
            }
        }
        await unlockShared(t, .iMmap(inode: ino))
    }
}
