/// follow_page_mask() and its levels (mm/gup.c, mm/huge_memory.c; reference §4.4).
enum FollowResult: Equatable {
    /// A page was grabbed (GET/PIN as asked); `pageMask` 511 for a huge leaf.
    case page(pfn: Pfn, pageMask: Int)
    /// No page without faulting (NULL): the caller faults and retries.
    case noPage
    /// An error (-EFAULT, -EREMOTEIO, -ENOMEM...).
    case error(Int)
    /// -EEXIST: a present entry without a struct page.
    case exists
    /// -EMLINK (v5.19+): a R/O pin of a possibly shared anonymous page; the caller faults
    /// with FAULT_FLAG_UNSHARE and retries.
    case mustUnshare
}

extension Kernel {
    /// Models follow_page_mask() (mm/gup.c) for `addr` in vma `vma` of `mm`, with
    /// mmap_lock held. Grabs the page per `flags`.
    func followPageMask(_ t: KTask, mm: MMID, vma: VMA, _ addr: UInt64, _ flags: FollFlags)
        async -> FollowResult
    {
        guard let pudRef = findEntry(mm: mm, addr, at: .pud) else {
            return flags.contains(.dump) ? .error(-Errno.EFAULT) : .noPage
        }
        let pud = tables.read(pudRef.slot, pudRef.index)
        if pud == 0 || pud & PTEBits.present == 0 { return .noPage }
        if layout.isLeaf(pud) {
            return await followHugeLeaf(t, vma: vma, pudRef, pud, .pud, addr, flags)
        }
        guard let pmdRef = findEntry(mm: mm, addr, at: .pmd) else { return .noPage }
        let pmd = await readEntry(t, pmdRef)
        if pmd == 0 || !layout.pmdPresent(pmd) {
            return flags.contains(.dump) ? .error(-Errno.EFAULT) : .noPage
        }
        if layout.isLeaf(pmd) {
            return await followHugeLeaf(t, vma: vma, pmdRef, pmd, .pmd, addr, flags)
        }
        return await followPagePte(t, mm: mm, vma: vma, pmd, addr, flags)
    }

    /// A huge leaf: follow_devmap_pmd()/_pud() for devmap entries (v4.5–v6.16), else
    /// follow_trans_huge_pmd() (7.x follow_huge_pmd()), under the PMD lock.
    private func followHugeLeaf(_ t: KTask, vma: VMA, _ ref: EntryRef, _ e: UInt64,
                                _ level: PageTableLevel, _ addr: UInt64, _ flags: FollFlags)
        async -> FollowResult
    {
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        let cur = tables.read(ref.slot, ref.index)
        guard cur == e else {
            await unlock(t, ptl)
            return .noPage
        }
        let pfn = layout.pfn(e) + Int((addr & (level.size - 1)) >> 12)
        let mask = Int(level.size >> 12) - 1
        let head = layout.isDevmap(e) ? nil : layout.pfn(e)
        if flags.contains(.write) && !canFollowWrite(vma, e, head, flags) {
            await unlock(t, ptl)
            return .noPage
        }
        if layout.isDevmap(e) {
            // follow_devmap_pmd(): without GET/PIN the caller only wanted to know (-EEXIST).
            guard !flags.intersection([.get, .pin]).isEmpty else {
                await unlock(t, ptl)
                return .exists
            }
            checks.stats.getDevPagemapCalls += 1
            guard let pgmap = await getDevPagemap(t, pfn: pfn) else {
                await unlock(t, ptl)
                return .error(-Errno.EFAULT)
            }
            let r = await tryGrabFolio(t, pfn, refs: 1, flags, fast: false)
            await putDevPagemap(t, pgmap)
            await unlock(t, ptl)
            switch r {
            case .grabbed, .notCounted: return .page(pfn: pfn, pageMask: 0)
            case .failed(let err): return .error(err)
            }
        }
        // 6.12+: a special huge leaf has no page (vm_normal_page_pmd() is NULL).
        if layout.pmdIsSpecial(e) || (config.era.normalPageRoutine == .unified
                                      && vmNormalPagePmd(vma, addr, e, t) == nil
                                      && !isHugeZero(layout.pfn(e))) {
            await unlock(t, ptl)
            return .exists
        }
        if isHugeZero(layout.pfn(e)) && flags.contains(.dump) {
            await unlock(t, ptl)
            return .error(-Errno.EFAULT)
        }
        // follow_trans_huge_pmd(): pmd_page() + offset, as for any THP. A bare PSE entry
        // (TTM ≤6.11) lands here too, so its pfn had better have a struct page.
        if !layout.isWrite(e) && gupMustUnshare(flags, pfn) {
            await unlock(t, ptl)
            return .mustUnshare
        }
        let r = await tryGrabFolio(t, pfn, refs: 1, flags, fast: false)
        if flags.contains(.touch) {
            let want = PTEBits.accessed | (flags.contains(.write) ? PTEBits.dirty : 0)
            if e & want != want { await writeEntry(t, ref, e | want, level, "touch_pmd") }
        }
        await unlock(t, ptl)
        switch r {
        case .grabbed, .notCounted: return .page(pfn: pfn, pageMask: mask)
        case .failed(let err): return .error(err)
        }
    }

    /// Models follow_page_pte() (mm/gup.c), under the PTE lock.
    private func followPagePte(_ t: KTask, mm: MMID, vma: VMA, _ pmd: UInt64, _ addr: UInt64,
                               _ flags: FollFlags) async -> FollowResult
    {
        guard let slot = slotOf(entry: pmd) else { return .noPage }
        let ref = EntryRef(slot: slot, index: PageTableLevel.pte.index(addr))
        let ptl = LockID.ptl(slot: slot)
        await lock(t, ptl)
        let pte = tables.read(slot, ref.index)
        if pte == 0 || pte & PTEBits.present == 0 {
            await unlock(t, ptl)
            return flags.contains(.dump) && pte == 0 ? .error(-Errno.EFAULT) : .noPage
        }
        // can_follow_write_pte(): a write needs a writable PTE (FOLL_FORCE COW aside).
        if flags.contains(.write) && !layout.isWrite(pte) && (!flags.contains(.force)
            || !canFollowWrite(vma, pte, vmNormalPage(vma, addr, pte, t), flags)) {
            await unlock(t, ptl)
            return .noPage
        }
        let pfn = layout.pfn(pte)
        var page = vmNormalPage(vma, addr, pte, t)
        var pgmap: PgmapID? = nil
        if page == nil && layout.isDevmap(pte) && !flags.intersection([.get, .pin]).isEmpty {
            checks.stats.getDevPagemapCalls += 1
            pgmap = await getDevPagemap(t, pfn: pfn)
            guard pgmap != nil else {
                await unlock(t, ptl)
                return .noPage
            }
            page = pfn
        }
        guard let found = page ?? (pfn == memory.zeroPfn ? memory.zeroPfn : nil) else {
            // follow_pfn_pte(): no struct page behind the entry.
            await unlock(t, ptl)
            if flags.contains(.dump) { return .error(-Errno.EFAULT) }
            if !config.era.eexistStopsWithPages && flags.contains(.get) {
                return .error(-Errno.EFAULT)
            }
            return .exists
        }
        if !layout.isWrite(pte) && gupMustUnshare(flags, found) {
            if let pgmap { await putDevPagemap(t, pgmap) }
            await unlock(t, ptl)
            return .mustUnshare
        }
        let r = await tryGrabFolio(t, found, refs: 1, flags, fast: false)
        if let pgmap { await putDevPagemap(t, pgmap) }
        if case .failed(let err) = r {
            await unlock(t, ptl)
            return .error(err)
        }
        if flags.contains(.touch) {
            let want = PTEBits.accessed | (flags.contains(.write) ? PTEBits.dirty : 0)
            if pte & want != want {
                await writeEntry(t, ref, pte | want, .pte, "follow_page_pte touch")
            }
        }
        await unlock(t, ptl)
        return .page(pfn: found, pageMask: 0)
    }
}

extension Kernel {
    /// Models can_follow_write_pte() / can_follow_write_pmd() (mm/gup.c, mm/huge_memory.c):
    /// a FOLL_WRITE follow needs a writable entry, or, for FOLL_FORCE into a private
    /// mapping without VM_WRITE, proof that COW was broken: v4.9–v5.19 FOLL_COW and a
    /// dirty entry; v6.0+ an exclusive anonymous page (`forceWriteNeedsAnonExclusive`).
    func canFollowWrite(_ vma: VMA, _ e: UInt64, _ page: Pfn?, _ flags: FollFlags) -> Bool {
        if layout.isWrite(e) { return true }
        guard flags.contains(.force) else { return false }
        if !config.era.forceWriteNeedsAnonExclusive {
            return flags.contains(.cow) && e & PTEBits.dirty != 0
        }
        guard vma.flags.isCOW, !vma.flags.contains(.write), let pfn = page,
              pfn != memory.zeroPfn, memory.memmap.pfnValid(pfn) else { return false }
        let p = self.page(pfn)
        return p.flags.contains(.anon) && p.flags.contains(.anonExclusive)
    }

    /// Models gup_must_unshare() (mm/internal.h, v5.19+, knob gup_must_unshare): a FOLL_PIN
    /// without FOLL_WRITE of an anonymous page that is not PageAnonExclusive must unshare
    /// it first, or the pin could end up on a page a later COW gives away.
    func gupMustUnshare(_ flags: FollFlags, _ pfn: Pfn) -> Bool {
        guard config.has(.gupMustUnshare), flags.contains(.pin), !flags.contains(.write),
              pfn != memory.zeroPfn, memory.memmap.pfnValid(pfn) else { return false }
        let p = page(pfn)
        return p.flags.contains(.anon) && !p.flags.contains(.anonExclusive)
    }
}
