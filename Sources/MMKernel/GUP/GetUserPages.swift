/// The GUP slow path: __get_user_pages() and its callers (mm/gup.c; reference §4.3–4.6).
extension Kernel {
    /// Models __get_user_pages() (mm/gup.c) over `nrPages` pages from `start` of `mm`,
    /// with mmap_lock held for read. Pages are appended to `pages` when GET or PIN is
    /// asked. Returns the number of pages done, or -errno when none was.
    func getUserPagesLocked(_ t: KTask, mm: MMID, _ start: UInt64, _ nrPages: Int,
                            _ flags: FollFlags, pages: inout HeldPages?) async -> Int {
        var done = 0
        var addr = start & ~(PAGE_SIZE - 1)
        var vma: VMA? = nil
        let wantPages = !flags.intersection([.get, .pin]).isEmpty && pages != nil
        var retries = 0
        var foll = flags  // foll_flags: FOLL_COW (or the dropped FOLL_WRITE) lasts one page
        while done < nrPages {
            if vma == nil || addr >= vma!.end {
                guard let i = mms[mm].vmaContaining(addr) else {
                    return done > 0 ? done : -Errno.EFAULT
                }
                vma = mms[mm].vmas[i]
                let err = checkVmaFlags(vma!, flags)
                if err != 0 { return done > 0 ? done : err }
            }
            switch await followPageMask(t, mm: mm, vma: vma!, addr, foll) {
            case .page(let pfn, let mask):
                retries = 0
                foll = flags
                // page_increm: the rest of a huge leaf is taken in one go.
                let increm = min(1 + (~Int(addr >> 12) & mask), nrPages - done)
                if wantPages {
                    pages!.pfns.append(pfn)
                    pages!.pinned.append(flags.contains(.pin))
                    for i in 1..<max(increm, 1) {
                        _ = await tryGrabFolio(t, pfn + i, refs: 1, flags, fast: false)
                        pages!.pfns.append(pfn + i)
                        pages!.pinned.append(flags.contains(.pin))
                    }
                }
                done += increm
                addr += UInt64(increm) << 12
            case .noPage:
                retries += 1
                if retries > 8 {
                    report(.bugOn, "__get_user_pages: \(hex(addr)) never became followable", t)
                    return done > 0 ? done : -Errno.EFAULT
                }
                t.faultBrokeCow = false
                let r = await faultinPage(t, mm: mm, addr, foll)
                if r != 0 { return done > 0 || r == -Errno.EBUSY ? done : r }
                if t.faultBrokeCow && foll.contains(.write) && !vma!.flags.contains(.write) {
                    foll = followAfterCow(t, foll, addr)
                }
            case .mustUnshare:
                retries += 1
                if retries > 8 {
                    report(.bugOn, "__get_user_pages: \(hex(addr)) never became unshared", t)
                    return done > 0 ? done : -Errno.EFAULT
                }
                let r = await faultinPage(t, mm: mm, addr, flags, unshare: true)
                if r != 0 { return done > 0 || r == -Errno.EBUSY ? done : r }
            case .exists:
                retries = 0
                foll = flags
                if wantPages && config.era.eexistStopsWithPages {
                    return done > 0 ? done : -Errno.EEXIST
                }
                done += 1
                addr += PAGE_SIZE
            case .error(let err):
                return done > 0 ? done : err
            }
        }
        return done
    }

    /// faultin_page()'s flags after a fault that broke COW (VM_FAULT_WRITE) in a vma
    /// without VM_WRITE (mm/gup.c): before v4.9 FOLL_WRITE is dropped, so the retry takes
    /// whatever is mapped then (knob gup_cow_retry_keeps_write off: Dirty COW); v4.9–v5.19
    /// FOLL_COW is set; from v6.0 nothing changes (can_follow_write_pte checks the page).
    private func followAfterCow(_ t: KTask, _ foll: FollFlags, _ addr: UInt64) -> FollFlags {
        var f = foll
        if !config.has(.gupCowRetryKeepsWrite) {
            f.remove(.write)
            t.exec.note("faultin_page \(hex(addr)): VM_FAULT_WRITE in a !VM_WRITE vma: "
                        + "FOLL_WRITE dropped for the retry (-gup_cow_retry_keeps_write)")
        } else if !config.era.forceWriteNeedsAnonExclusive {
            f.insert(.cow)
            t.exec.note("faultin_page \(hex(addr)): VM_FAULT_WRITE in a !VM_WRITE vma: FOLL_COW")
        }
        return f
    }

    /// Models faultin_page() (mm/gup.c): 0 to retry the follow, or -errno
    /// (-EBUSY when FOLL_NOWAIT finds a fault that would sleep).
    private func faultinPage(_ t: KTask, mm: MMID, _ addr: UInt64, _ flags: FollFlags,
                             unshare: Bool = false) async -> Int {
        guard let vi = mms[mm].vmaContaining(addr) else { return -Errno.EFAULT }
        if flags.contains(.nowait) && faultWouldSleep(mm: mm, vmaIndex: vi, addr) {
            t.exec.note("faultin_page \(hex(addr)): FOLL_NOWAIT, VM_FAULT_RETRY -> -EBUSY")
            return -Errno.EBUSY
        }
        checks.stats.gupSlowFaults += 1
        var fflags: FaultFlags = flags.contains(.remote) ? [.remote] : []
        if flags.contains(.write) { fflags.insert(.write) }
        if unshare { fflags.insert(.unshare) }  // -EMLINK from follow_page_pte
        switch await handleMMFault(t, mm: mm, vma: vi, addr, fflags) {
        case .done, .fallback: return 0
        case .oom: return -Errno.ENOMEM
        case .sigbus, .sigsegv: return -Errno.EFAULT
        }
    }

    /// A fault that must wait for I/O (a page-cache page not cached yet): with
    /// ALLOW_RETRY|RETRY_NOWAIT filemap_fault() returns VM_FAULT_RETRY instead.
    private func faultWouldSleep(mm: MMID, vmaIndex: Int, _ addr: UInt64) -> Bool {
        let vma = mms[mm].vmas[vmaIndex]
        guard case .file(let inode) = vma.backing else { return false }
        let index = Int(vma.pageIndex(addr))
        return index < files.inodes[inode].cache.count && files.inodes[inode].cached(index) == nil
    }

    /// Models get_user_pages() / pin_user_pages() / get_user_pages_remote() through
    /// __gup_longterm_locked() (mm/gup.c): takes mmap_lock, checks the flags, and for
    /// FOLL_LONGTERM in v5.2–v5.18 drops everything again if a vma is fs-dax
    /// (check_dax_vmas). Returns pages done or -errno.
    public func getUserPages(_ t: KTask, mm: MMID, _ start: UInt64, _ nrPages: Int,
                             _ flags: FollFlags, held: inout HeldPages) async -> Int {
        let err = validGupFlags(t, flags)
        if err != 0 { return err }
        guard nrPages > 0, nrPages < 1 << 28, userRangeOK(start, UInt64(nrPages) << 12) else {
            return -Errno.EFAULT
        }
        await lockShared(t, .mmap(mm: mm))
        var pages: HeldPages? = HeldPages()
        // "mm/gup: migrate pinned pages out of movable zone" (v5.13): __gup_longterm_locked
        // runs under memalloc_pin_save() and migrates what it pinned in ZONE_MOVABLE, then
        // pins again.
        let migrateMovable = flags.contains(.longterm) && config.has(.longtermMigrateMovable)
        if migrateMovable { t.memallocPin = true }
        var r = await getUserPagesLocked(t, mm: mm, start, nrPages, flags, pages: &pages)
        var tries = 0
        while migrateMovable && r > 0 && tries < 3 {
            tries += 1
            let m = await checkAndMigrateMovablePages(t, mm: mm, start, flags, &pages!)
            if m == 0 { break }
            pages = HeldPages()
            r = m == -Errno.EAGAIN
                ? await getUserPagesLocked(t, mm: mm, start, nrPages, flags, pages: &pages) : m
        }
        if migrateMovable { t.memallocPin = false }
        if r > 0 && flags.contains(.longterm) && config.era.longtermFsdaxCheck == .afterPinning {
            let end = (start & ~(PAGE_SIZE - 1)) + UInt64(r) << 12
            if mms[mm].vmas.contains(where: { $0.start < end && $0.end > start
                                             && vmaIsFsdax($0) }) {
                t.exec.note("check_dax_vmas: fs-dax vma with FOLL_LONGTERM -> -EOPNOTSUPP")
                await releaseHeld(t, pages!, pinned: flags.contains(.pin))
                pages = HeldPages()
                r = -Errno.EOPNOTSUPP
            }
        }
        await unlockShared(t, .mmap(mm: mm))
        checkLongtermPins(t, pages!, flags)
        held.pfns += pages!.pfns
        held.pinned += pages!.pinned
        return r
    }

    /// Models check_and_migrate_movable_pages() (mm/gup.c, v5.13;
    /// check_and_migrate_cma_pages() v5.1–v5.12, CMA only, not modelled): when a page
    /// GUP took is not long-term pinnable (ZONE_MOVABLE), the pages are isolated
    /// (collect_longterm_unpinnable_pages), every pin is dropped and the isolated pages
    /// are migrated to frames without __GFP_MOVABLE. 0 when all were pinnable; -EAGAIN
    /// after migrating (the caller pins again); -ENOMEM when a migration failed ("mm/gup:
    /// return an error on migration failure", v5.13). The pins are gone unless 0.
    private func checkAndMigrateMovablePages(_ t: KTask, mm: MMID, _ start: UInt64,
                                             _ flags: FollFlags,
                                             _ pages: inout HeldPages) async -> Int {
        let base = start & ~(PAGE_SIZE - 1)
        var isolated: [(addr: UInt64, pfn: Pfn)] = []
        var unmovable = false
        for (i, pfn) in pages.pfns.enumerated() where isZoneMovable(pfn) {
            let addr = base + UInt64(i) << 12
            guard let vi = mms[mm].vmaContaining(addr) else { continue }
            switch await isolateForMigration(t, mm: mm, vma: mms[mm].vmas[vi], addr) {
            case .isolated(let p) where p == pfn: isolated.append((addr, p))
            case .isolated(let p): await putPage(t, p); unmovable = true
            case .shared, .skipped: unmovable = true
            }
        }
        if isolated.isEmpty && !unmovable { return 0 }
        t.exec.note("check_and_migrate_movable_pages: \(isolated.count) page(s) in ZONE_MOVABLE: "
                    + "unpin, migrate, pin again")
        await releaseHeld(t, pages, pinned: true)
        await releaseHeld(t, pages, pinned: false)
        pages = HeldPages()
        var failed = unmovable
        for (addr, pfn) in isolated {
            guard let vi = mms[mm].vmaContaining(addr) else { continue }
            if await migrateIsolated(t, mm: mm, vma: mms[mm].vmas[vi], addr, pfn,
                                     movable: false) != 0 { failed = true }
        }
        return failed ? -Errno.ENOMEM : -Errno.EAGAIN
    }

    /// The checker of ZONE_MOVABLE's promise: a FOLL_LONGTERM pin that GUP returns must
    /// not hold a ZONE_MOVABLE page (it could never be migrated off: memory offlining
    /// fails). `longterm-pin-movable`.
    func checkLongtermPins(_ t: KTask, _ pages: HeldPages, _ flags: FollFlags) {
        guard flags.contains(.longterm), !flags.intersection([.get, .pin]).isEmpty else { return }
        for pfn in pages.pfns where isZoneMovable(pfn) {
            report(.longtermPinMovable, "FOLL_LONGTERM pin of pfn \(hex(pfn)) in ZONE_MOVABLE", t)
            return
        }
    }
}
