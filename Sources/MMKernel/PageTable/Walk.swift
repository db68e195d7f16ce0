import MMExplore

/// Where one entry lives: a table slot and an index in it.
public struct EntryRef: Hashable, Sendable {
    /// The table's slot in the table store.
    public var slot: TableSlot
    /// The entry's index (0..<512).
    public var index: Int
}

/// The result of walking an address down to its lowest present level.
public struct WalkResult: Sendable {
    /// The level of `entry` (.pte for a 4K leaf or hole; .pmd/.pud for a huge leaf or a
    /// missing lower table).
    public var level: PageTableLevel
    /// Where the entry is.
    public var ref: EntryRef
    /// The entry's value.
    public var entry: UInt64
}

extension Kernel {
    /// Reads an entry as a lockless walker does (READ_ONCE / ptep_get_lockless): one
    /// scheduling point, then one atomic load.
    func readEntry(_ t: KTask, _ ref: EntryRef) async -> UInt64 {
        await t.step()
        return tables.read(ref.slot, ref.index)
    }

    /// Writes an entry (set_pte_at / set_pmd_at / pte_clear): one scheduling point.
    func writeEntry(_ t: KTask, _ ref: EntryRef, _ value: UInt64, _ level: PageTableLevel,
                    _ why: StaticString) async {
        await t.step()
        let old = tables.read(ref.slot, ref.index)
        tables.write(ref.slot, ref.index, value)
        t.exec.note("\(why) \(level)[\(ref.slot):\(ref.index)] "
                    + "\(layout.describe(old)) -> \(layout.describe(value))")
    }

    /// Walks `addr` in `mm` without taking locks and without scheduling points (a
    /// snapshot for observers that run alone: observe, smaps, pagemap). Stops at the
    /// first none entry, a huge leaf, or the PTE.
    public func walkSnapshot(mm: MMID, _ addr: UInt64) -> WalkResult {
        var slot = mms[mm].pgd
        var level = PageTableLevel.pgd
        while true {
            let idx = level.index(addr)
            let e = tables.read(slot, idx)
            let ref = EntryRef(slot: slot, index: idx)
            if level == .pte || e == 0 || (level != .pgd && layout.isLeaf(e))
                || e & PTEBits.present == 0 {
                return WalkResult(level: level, ref: ref, entry: e)
            }
            guard let next = slotOf(entry: e) else {
                return WalkResult(level: level, ref: ref, entry: e)
            }
            slot = next
            level = PageTableLevel(rawValue: level.rawValue - 1)!
        }
    }

    /// Models the allocate-on-walk helpers of __handle_mm_fault (p4d_alloc, pud_alloc,
    /// pmd_alloc in mm/memory.c): returns the entry at `level` for `addr`, allocating the
    /// missing upper tables. A racing populate is resolved under the PTL of the upper
    /// table, as __pmd_alloc does. nil on OOM or when a huge leaf sits above `level`.
    func allocWalk(_ t: KTask, mm: MMID, _ addr: UInt64,
                   to target: PageTableLevel) async -> EntryRef? {
        var slot = mms[mm].pgd
        var level = PageTableLevel.pgd
        while level != target {
            let ref = EntryRef(slot: slot, index: level.index(addr))
            var e = await readEntry(t, ref)
            if e == 0 {
                guard let newSlot = await allocTable(t) else { return nil }
                await lock(t, .ptl(slot: slot))
                e = tables.read(ref.slot, ref.index)
                if e == 0 {
                    let pfn = tables.pfn(ofSlot: newSlot)
                    e = layout.make(pfn: pfn, prot: PTEBits.table)
                    // x86-64 4-level: the p4d is folded into the pgd, so a pgd entry is
                    // filled by p4d_populate (__pud_alloc), a pud's by pud_populate.
                    switch level {
                    case .pgd: await writeEntry(t, ref, e, level, "p4d_populate")
                    case .pud: await writeEntry(t, ref, e, level, "pud_populate")
                    default: await writeEntry(t, ref, e, level, "pmd_populate")
                    }
                    await unlock(t, .ptl(slot: slot))
                } else {
                    await unlock(t, .ptl(slot: slot))
                    await freeTable(t, slot: newSlot)
                }
            }
            if level != .pgd && layout.isLeaf(e) { return nil }
            guard let next = slotOf(entry: e) else {
                report(.useAfterFree, "walk: \(level) entry points to freed table page "
                       + hex(layout.pfn(e)), t)
                return nil
            }
            slot = next
            level = PageTableLevel(rawValue: level.rawValue - 1)!
        }
        return EntryRef(slot: slot, index: target.index(addr))
    }

    /// The entry at `level` for `addr` if every upper table exists, without allocating
    /// and without scheduling points (callers hold mmap_lock, which keeps tables alive).
    func findEntry(mm: MMID, _ addr: UInt64, at target: PageTableLevel) -> EntryRef? {
        var slot = mms[mm].pgd
        var level = PageTableLevel.pgd
        while level != target {
            let e = tables.read(slot, level.index(addr))
            if e == 0 || (level != .pgd && layout.isLeaf(e)) { return nil }
            guard let next = slotOf(entry: e) else { return nil }
            slot = next
            level = PageTableLevel(rawValue: level.rawValue - 1)!
        }
        return EntryRef(slot: slot, index: target.index(addr))
    }
}
