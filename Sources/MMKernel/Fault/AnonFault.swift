/// Anonymous faults and write-protect faults (mm/memory.c).
extension Kernel {
    /// Models do_anonymous_page() (mm/memory.c): a read maps the shared zero page with a
    /// special PTE; a write maps a new zeroed page, writable and dirty.
    func doAnonymousPage(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult {
        if vmf.vma.flags.contains(.shared) { return .sigbus }
        guard let ref = await pteAlloc(t, vmf) else { return .oom }
        let ptl = LockID.ptl(slot: ref.slot)
        if !vmf.isWrite {
            let entry = layout.mkSpecial(layout.make(pfn: memory.zeroPfn, prot: vmf.vma.pageProt
                                                     & ~PTEBits.rw))
            await lock(t, ptl)
            if tables.read(ref.slot, ref.index) == 0 {
                await writeEntry(t, ref, entry, .pte, "do_anonymous_page(zero)")
            }
            await unlock(t, ptl)
            return .done
        }
        guard let pfn = await allocPages(t, movable: true) else { return .oom }
        mms[vmf.mm].anonVMAPrepare(at: vmf.address)
        var entry = layout.make(pfn: pfn, prot: vmf.vma.pageProt)
        if vmf.vma.flags.contains(.write) { entry |= PTEBits.rw | PTEBits.dirty }
        await lock(t, ptl)
        if tables.read(ref.slot, ref.index) != 0 {
            await unlock(t, ptl)
            await putPage(t, pfn)
            return .done
        }
        mms[vmf.mm].anonPages += 1
        pageAddNewAnonRmap(pfn)
        await writeEntry(t, ref, entry, .pte, "do_anonymous_page")
        await unlock(t, ptl)
        return .done
    }

    /// Models page_add_new_anon_rmap() (mm/rmap.c) for a small page: mapped once,
    /// anonymous and exclusive to this process.
    func pageAddNewAnonRmap(_ pfn: Pfn) {
        withPage(pfn) {
            $0.mapcount = 1
            $0.flags.formUnion([.anon, .anonExclusive, .swapBacked, .uptodate])
        }
    }

    /// Models do_wp_page() (mm/memory.c): a write to a present read-only PTE. Called with
    /// the PTL held; releases it.
    func doWpPage(_ t: KTask, _ vmf: inout VMFault, _ ref: EntryRef, _ pte: UInt64) async
        -> FaultResult
    {
        let ptl = LockID.ptl(slot: ref.slot)
        let vma = vmf.vma
        if vma.isDax && vma.flags.contains(.shared) {
            // wp_pfn_shared → ->pfn_mkwrite, or wp_page_shared → ->page_mkwrite (v6.15+):
            // both run the DAX write fault (Fault/DaxFault.swift).
            await unlock(t, ptl)
            return await daxPfnMkwrite(t, &vmf)
        }
        guard let pfn = vmNormalPage(vma, vmf.address, pte, t) else {
            // A pfn mapping shared: wp_pfn_shared() just makes it writable.
            if vma.flags.contains(.shared)
                && !vma.flags.intersection([.pfnMap, .mixedMap]).isEmpty {
                await writeEntry(t, ref, pte | PTEBits.rw | PTEBits.dirty | PTEBits.accessed,
                                 .pte, "wp_pfn_shared")
                await unlock(t, ptl)
                return .done
            }
            await unlock(t, ptl)
            return await wpPageCopy(t, &vmf, ref, pte, old: nil)
        }
        let page = self.page(pfn)
        if vmf.flags.contains(.unshare) && !vmf.isWrite {
            // FAULT_FLAG_UNSHARE: only anonymous pages are unshared; a reusable one just
            // becomes exclusive and keeps its read-only PTE.
            guard page.flags.contains(.anon) else {
                await unlock(t, ptl)
                return .done
            }
            if canReuseAnon(pfn) {
                withState(pfn) { $0.flags.insert(.anonExclusive) }
                await unlock(t, ptl)
                return .done
            }
        }
        if page.flags.contains(.anon) && canReuseAnon(pfn) {
            withState(pfn) { $0.flags.insert(.anonExclusive) }
            // wp_page_reuse(): maybe_mkwrite, so a FOLL_FORCE write to a !VM_WRITE vma
            // leaves the PTE read-only (and dirty); VM_FAULT_WRITE.
            await writeEntry(t, ref, pte | mkwriteBits(vma) | PTEBits.dirty | PTEBits.accessed,
                             .pte, "wp_page_reuse")
            t.faultBrokeCow = true
            await unlock(t, ptl)
            return .done
        }
        if !page.flags.contains(.anon) && vma.flags.contains(.shared) {
            // wp_page_shared(): page_mkwrite, then the PTE becomes writable and dirty.
            withState(pfn) { $0.flags.insert(.dirty) }
            await writeEntry(t, ref, pte | PTEBits.rw | PTEBits.dirty | PTEBits.accessed, .pte,
                             "wp_page_shared")
            await unlock(t, ptl)
            return .done
        }
        await getPage(t, pfn)  // do_wp_page holds the old page across the copy
        await unlock(t, ptl)
        let r = await wpPageCopy(t, &vmf, ref, pte, old: pfn)
        await putPage(t, pfn)
        return r
    }

    /// maybe_mkwrite() (mm/internal.h): the write bit only when the vma has VM_WRITE (a
    /// FOLL_FORCE write fault in a read-only private mapping gets a read-only PTE).
    func mkwriteBits(_ vma: VMA) -> UInt64 { vma.flags.contains(.write) ? PTEBits.rw : 0 }

    /// The era's reuse rule for an anonymous page under a write fault.
    func canReuseAnon(_ pfn: Pfn) -> Bool {
        let head = compoundHead(pfn)
        let h = page(head)
        switch config.era.cowReuse {
        case .mapcount:
            return mapcounts(pfn).mapcount + h.entireMapcount == 1
        case .refcount:
            return h.refcount == 1
        case .anonExclusive:
            return identity(pfn).flags.contains(.anonExclusive) || h.refcount == 1
        }
    }

    /// Models wp_page_copy() (mm/memory.c): copy the old page (or zero, for the zero page
    /// or a pfn without struct page) into a new anonymous page and map it writable.
    private func wpPageCopy(_ t: KTask, _ vmf: inout VMFault, _ ref: EntryRef, _ orig: UInt64,
                            old: Pfn?) async -> FaultResult {
        guard let newPfn = await allocPages(t, movable: true) else { return .oom }
        let srcPfn = layout.pfn(orig)
        if srcPfn != memory.zeroPfn && memory.memmap.pfnValid(srcPfn) {
            copyFrameData(from: srcPfn, to: newPfn)
        }
        mms[vmf.mm].anonVMAPrepare(at: vmf.address)
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        guard tables.read(ref.slot, ref.index) == orig else {
            await unlock(t, ptl)
            await putPage(t, newPfn)
            return .done
        }
        if let old {
            if identity(old).flags.contains(.anon) { mms[vmf.mm].anonPages -= 1 } else {
                mms[vmf.mm].filePages -= 1
            }
        }
        mms[vmf.mm].anonPages += 1
        pageAddNewAnonRmap(newPfn)
        // An unshare (FAULT_FLAG_UNSHARE) maps the copy read-only, as the old page was.
        let unshare = vmf.flags.contains(.unshare) && !vmf.isWrite
        let entry = layout.make(pfn: newPfn, prot: vmf.vma.pageProt)
            | (unshare ? PTEBits.accessed : mkwriteBits(vmf.vma) | PTEBits.dirty)
        if !unshare { t.faultBrokeCow = true }  // wp_page_copy: VM_FAULT_WRITE
        // ptep_clear_flush(): the old translation is flushed before the new one is set.
        await writeEntry(t, ref, 0, .pte, "ptep_clear_flush")
        await flushTLBPage(t, mm: vmf.mm, vmf.address)
        await writeEntry(t, ref, entry, .pte, "wp_page_copy")
        if let old {
            removePteMapping(t, old)
            await unlock(t, ptl)
            await putPage(t, old)  // the reference the old PTE held
        } else {
            await unlock(t, ptl)
        }
        return .done
    }
}
