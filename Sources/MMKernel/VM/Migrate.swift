/// Migration of small anonymous pages (mm/migrate.c, try_to_migrate in mm/rmap.c): the
/// page's PTE becomes a migration entry (a non-present swap-type entry) under the PTE lock
/// and the range is flushed; then the page's refcount must be exactly what migration
/// itself holds (folio_migrate_mapping's expected count), else -EAGAIN and the entry is
/// turned back into the old PTE; otherwise the data is copied and the entry replaced by a
/// PTE of the new frame (remove_migration_ptes). Faults on the entry wait for it to go
/// (migration_entry_wait); gup-fast sees a non-present PTE and takes the slow path, which
/// faults. The model migrates one mapping per page (no rmap walk across processes: a page
/// mapped more than once is left in place) and tries once (migrate_pages retries -EAGAIN
/// up to ten times). It holds mmap_lock for read throughout (the kernel's rmap walk takes
/// the anon_vma lock instead), so munmap, mremap, mprotect and fork wait for it.
extension Kernel {
    /// Models move_pages(2) (kernel_move_pages → do_pages_move → add_page_for_migration,
    /// then migrate_pages): every present small anonymous page of `[addr, addr+length)`
    /// moves to a new frame, as to another node. Pages not present, the zero page and
    /// non-anonymous pages are skipped (status -ENOENT/-EFAULT, not counted). Returns the
    /// number of pages left in place (shared with another process: -EACCES; migration
    /// failed: -EAGAIN/-EBUSY), 0 when every candidate moved; -EINVAL for a bad range,
    /// -EFAULT when part of it is unmapped.
    public func movePages(_ t: KTask, mm: MMID, _ addr: UInt64, _ length: UInt64) async -> Int {
        guard addr & (PAGE_SIZE - 1) == 0, length > 0, userRangeOK(addr, length) else {
            return -Errno.EINVAL
        }
        await lockShared(t, .mmap(mm: mm))
        guard isFullyMapped(mm: mm, addr, addr + length) else {
            await unlockShared(t, .mmap(mm: mm))
            return -Errno.EFAULT
        }
        var left = 0
        var a = addr
        while a < addr + length {
            let vma = mms[mm].vmas[mms[mm].vmaContaining(a)!]
            if vma.isAnonymous {
                switch await isolateForMigration(t, mm: mm, vma: vma, a) {
                case .isolated(let pfn):
                    let r = await migrateIsolated(t, mm: mm, vma: vma, a, pfn, movable: true)
                    if r != 0 { left += 1 }
                case .shared: left += 1
                case .skipped: break
                }
            }
            a += PAGE_SIZE
        }
        await unlockShared(t, .mmap(mm: mm))
        return left
    }

    /// Models add_page_for_migration() (mm/migrate.c): under the PTE lock, a present
    /// small anonymous page mapped only here is isolated (isolate_lru_page: one reference,
    /// the one migration holds throughout; follow_page's own reference is folded in).
    func isolateForMigration(_ t: KTask, mm: MMID, vma: VMA, _ addr: UInt64) async
        -> MigrationCandidate
    {
        guard let ref = pteRef(mm: mm, addr) else { return .skipped }
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        let pte = tables.read(ref.slot, ref.index)
        guard layout.isPresent(pte), let pfn = vmNormalPage(vma, addr, pte, t),
              identity(pfn).flags.contains(.anon), compoundHead(pfn) == pfn,
              !identity(pfn).flags.contains(.head) else {
            await unlock(t, ptl)
            return .skipped
        }
        if mapcounts(pfn).mapcount > 1 {  // not MPOL_MF_MOVE_ALL: -EACCES
            await unlock(t, ptl)
            return .shared
        }
        await getPage(t, pfn)
        await unlock(t, ptl)
        return .isolated(pfn)
    }

    /// The PTE slot of `addr` when a PTE table maps it.
    func pteRef(mm: MMID, _ addr: UInt64) -> EntryRef? {
        guard let pmdRef = findEntry(mm: mm, addr, at: .pmd) else { return nil }
        let pmd = tables.read(pmdRef.slot, pmdRef.index)
        guard pmd != 0, !layout.isLeaf(pmd), let slot = slotOf(entry: pmd) else { return nil }
        return EntryRef(slot: slot, index: PageTableLevel.pte.index(addr))
    }

    /// Models migrate_pages() → migrate_folio_unmap() + migrate_folio_move() (v6.3;
    /// unmap_and_move() → __unmap_and_move() before) for one isolated page `src` mapped at
    /// `addr`: allocate the target (`movable`: __GFP_MOVABLE, so ZONE_MOVABLE may serve
    /// it), try_to_migrate, then folio_migrate_mapping's refcount check, copy and
    /// remove_migration_ptes. The isolation reference is dropped at the end either way
    /// (putback on failure: the page stays; on success it frees the old frame). Returns
    /// 0, or -EAGAIN (extra references), -EBUSY (a pinned exclusive page), -ENOMEM.
    func migrateIsolated(_ t: KTask, mm: MMID, vma: VMA, _ addr: UInt64, _ src: Pfn,
                         movable: Bool) async -> Int {
        guard let dst = await allocPages(t, movable: movable) else {
            await putPage(t, src)
            return -Errno.ENOMEM
        }
        guard let (ref, orig, entry, exclusive) = await tryToMigrate(t, mm: mm, addr, src) else {
            t.exec.note("migrate_pages pfn \(hex(src)): not unmapped, put back")
            await putPage(t, dst)
            await putPage(t, src)
            return -Errno.EBUSY
        }
        // folio_migrate_mapping(): an anonymous page without a mapping must be held by
        // nobody but migration (expected count 1); a plain read, no freeze.
        await t.step()
        let refs = page(src).refcount
        if refs != 1 {
            t.exec.note("folio_migrate_mapping pfn \(hex(src)): ref \(refs), expected 1: -EAGAIN")
            if await removeMigrationPte(t, mm: mm, ref, entry, orig, to: src,
                                        exclusive: exclusive) {
                await getPage(t, src)  // the restored mapping's reference
            }
            await putPage(t, dst)
            await putPage(t, src)
            return -Errno.EAGAIN
        }
        // folio_migrate_copy(): data, then the flags migration carries over.
        copyFrameData(from: src, to: dst)
        let old = identity(src).flags
        withPage(dst) {
            $0.flags.formUnion([.anon, .swapBacked, .uptodate])
            $0.flags.formUnion(old.intersection([.dirty, .anonExclusive]))
        }
        if exclusive { withState(dst) { $0.flags.insert(.anonExclusive) } }
        t.exec.note("migrate_folio: copied pfn \(hex(src)) -> \(hex(dst))")
        // The new frame's allocation reference becomes the mapping's (the kernel's
        // folio_get in remove_migration_pte and folio_put(dst) at the end cancel out).
        if !(await removeMigrationPte(t, mm: mm, ref, entry, orig, to: dst, exclusive: false)) {
            await putPage(t, dst)  // the entry was zapped meanwhile: nobody maps dst
        }
        await putPage(t, src)  // migrate_folio_done(): the last reference, the frame is freed
        return 0
    }

    /// Models try_to_migrate_one() (mm/rmap.c; try_to_unmap with TTU_MIGRATION before
    /// v5.16) for the mapping of `src` at `addr`: under the PTE lock the PTE is cleared
    /// and flushed (ptep_clear_flush), its dirty bit moves to the page, the migration
    /// entry is written, the rmap and the mapping's reference are dropped. With
    /// PageAnonExclusive (v5.19+) page_try_share_anon_rmap() refuses a
    /// page_maybe_dma_pinned() page: the PTE is put back and nothing is unmapped (nil);
    /// otherwise it clears PageAnonExclusive and the entry remembers it
    /// (make_readable_exclusive_migration_entry). Returns the entry's slot, the old PTE,
    /// the migration entry and whether it is exclusive.
    private func tryToMigrate(_ t: KTask, mm: MMID, _ addr: UInt64, _ src: Pfn) async
        -> (EntryRef, UInt64, UInt64, Bool)?
    {
        guard let ref = pteRef(mm: mm, addr) else { return nil }
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        let pte = tables.read(ref.slot, ref.index)
        guard layout.isPresent(pte), layout.pfn(pte) == src else {
            await unlock(t, ptl)
            return nil
        }
        await writeEntry(t, ref, 0, .pte, "ptep_clear_flush(try_to_migrate_one)")
        await flushTLBPage(t, mm: mm, addr)
        if pte & PTEBits.dirty != 0 { withState(src) { $0.flags.insert(.dirty) } }
        let p = page(src)
        if config.era.cowReuse == .anonExclusive && p.flags.contains(.anonExclusive)
            && p.refcount >= GUP_PIN_COUNTING_BIAS {
            t.exec.note("page_try_share_anon_rmap pfn \(hex(src)): maybe pinned, abort")
            await writeEntry(t, ref, pte, .pte, "set_pte_at(try_to_migrate_one: restore)")
            await unlock(t, ptl)
            return nil
        }
        let exclusive = config.era.cowReuse == .anonExclusive && p.flags.contains(.anonExclusive)
        if exclusive { withState(src) { $0.flags.remove(.anonExclusive) } }
        let entry = layout.makeMigration(pfn: src, write: layout.isWrite(pte))
        await writeEntry(t, ref, entry, .pte, "set_pte_at(migration entry)")
        removePteMapping(t, src)
        await unlock(t, ptl)
        await putPage(t, src)  // the reference the PTE held
        return (ref, pte, entry, exclusive)
    }

    /// Models remove_migration_pte() (mm/migrate.c) for one entry: under the PTE lock,
    /// if `entry` is still there it becomes a PTE of `pfn` with the old PTE's bits
    /// (writable as the migration entry was) and the page's rmap is added, exclusive again
    /// when the entry was (RMAP_EXCLUSIVE). False when the entry is gone (MADV_DONTNEED
    /// zapped it).
    private func removeMigrationPte(_ t: KTask, mm: MMID, _ ref: EntryRef, _ entry: UInt64,
                                    _ orig: UInt64, to pfn: Pfn, exclusive: Bool) async -> Bool {
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        guard tables.read(ref.slot, ref.index) == entry else {
            await unlock(t, ptl)
            return false
        }
        let e = orig & ~PTEBits.pfnMask | layout.make(pfn: pfn, prot: 0)
        await writeEntry(t, ref, e, .pte, "remove_migration_pte")
        addPteMapping(t, pfn)
        if exclusive { withState(pfn) { $0.flags.insert(.anonExclusive) } }
        await unlock(t, ptl)
        return true
    }

    /// Models migration_entry_wait() (mm/migrate.c): a fault that found the migration
    /// entry `entry` sleeps until migration replaced it (the kernel waits for the old
    /// folio's lock, which migration holds until remove_migration_ptes is done), then
    /// the fault is retried.
    func migrationEntryWait(_ t: KTask, _ ref: EntryRef, _ entry: UInt64) async {
        t.exec.note("migration_entry_wait \(layout.describe(entry))")
        await t.exec.block(until: { [unowned self] in
            self.tables.unrecorded(ref.slot, ref.index) != entry
        }, on: Obj.entry(ref.slot, ref.index))
        _ = await readEntry(t, ref)  // woken: read what the wait depended on
    }
}

/// What add_page_for_migration() made of an address.
enum MigrationCandidate {
    /// Isolated: the page, with migration's reference.
    case isolated(Pfn)
    /// Mapped by more than one process (-EACCES without MPOL_MF_MOVE_ALL): left in place.
    case shared
    /// Nothing to migrate (not present, zero page, not a small anonymous page).
    case skipped
}
