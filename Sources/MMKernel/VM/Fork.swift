/// fork(): dup_mmap() and copy_page_range() (kernel/fork.c, mm/memory.c).
extension Kernel {
    /// Models dup_mmap() (kernel/fork.c): a child mm with a copy of every vma (except
    /// VM_DONTCOPY); page tables are copied where vma_needs_copy() says so. Returns the
    /// child's MM id, or nil on OOM.
    public func fork(_ t: KTask, mm parent: MMID) async -> MMID? {
        let childName = "\(mms[parent].name).\(mms.count)"
        guard let child = await createProcess(t, name: childName) else { return nil }
        await lock(t, .mmap(mm: parent))
        if config.has(.forkWriteProtectSeq) {
            // raw_write_seqcount_begin(&mm->write_protect_seq) around copy_page_range.
            await t.step()
            mms[parent].writeProtectSeq &+= 1
        }
        for v in mms[parent].vmas where !v.flags.contains(.dontCopy) {
            mms[child].vmas.append(v)
            // vma_needs_copy(): pfn mappings and vmas with anonymous pages.
            let special = !v.flags.intersection([.pfnMap, .mixedMap, .hugetlb]).isEmpty
            if mms[parent].hasAnonVMA(v) || special {
                await copyPageRange(t, parent: parent, child: child, vma: v)
            }
        }
        if config.has(.forkWriteProtectSeq) {
            await t.step()
            mms[parent].writeProtectSeq &+= 1
        }
        await flushTLBRange(t, mm: parent, 0, 1 << 47)
        await unlock(t, .mmap(mm: parent))
        return child
    }

    /// Models page_maybe_dma_pinned() (include/linux/mm.h): a large folio with a
    /// pincount, or a small page whose refcount reaches the pin bias (false positives
    /// possible, as in the kernel).
    func pageMaybeDMAPinned(_ pfn: Pfn) -> Bool {
        let h = page(compoundHead(pfn))
        if h.flags.contains(.head) && h.order > 1 { return h.pincount > 0 }
        return h.refcount >= GUP_PIN_COUNTING_BIAS
    }

    /// Models copy_page_range() → copy_pmd_range()/copy_pte_range(): COW mappings are
    /// write-protected in both processes and share their pages (one more reference and
    /// mapcount each); special entries are copied as they are. Huge PMDs are shared by
    /// copy_huge_pmd() with a new deposited table for the child.
    private func copyPageRange(_ t: KTask, parent: MMID, child: MMID, vma: VMA) async {
        if vma.flags.contains(.hugetlb) {  // Hugetlb/HugetlbUnmap.swift
            await copyHugetlbPageRange(t, parent: parent, child: child, vma: vma)
            return
        }
        let cow = vma.flags.isCOW
        var addr = vma.start
        while addr < vma.end {
            let pmdEnd = min((addr & ~(PMD_SIZE - 1)) + PMD_SIZE, vma.end)
            guard let srcPmd = findEntry(mm: parent, addr, at: .pmd) else {
                addr = pmdEnd
                continue
            }
            let pmd = tables.read(srcPmd.slot, srcPmd.index)
            if pmd == 0 {
                addr = pmdEnd
                continue
            }
            if layout.isLeaf(pmd), cow, config.has(.forkEarlyCowPinned),
               !isHugeZero(layout.pfn(pmd)), page(layout.pfn(pmd)).flags.contains(.anon),
               pageMaybeDMAPinned(layout.pfn(pmd)) {
                // copy_huge_pmd() ("mm: Do early cow for large pages too", v5.9): a pinned
                // THP is split and copied again at PTE level, where copy_present_page()
                // gives the child copies.
                let vmf = VMFault(mm: parent, vma: vma, address: addr, flags: [], pmd: srcPmd)
                await splitHugePmd(t, vmf, reason: "copy_huge_pmd(pinned)")
                if layout.isLeaf(tables.read(srcPmd.slot, srcPmd.index)) { addr = pmdEnd }
                continue
            }
            if layout.isLeaf(pmd) {
                guard let dstPmd = await allocWalk(t, mm: child, addr, to: .pmd),
                      let deposit = await allocTable(t) else { return }
                var e = pmd
                if cow {
                    e &= ~PTEBits.rw
                    if e != pmd { await writeEntry(t, srcPmd, e, .pmd, "copy_huge_pmd(wrprotect)") }
                }
                let pfn = layout.pfn(pmd)
                if !isHugeZero(pfn) && identity(pfn).flags.contains(.anon) {
                    await getPage(t, pfn)
                    withPage(pfn) {
                        $0.entireMapcount += 1
                        $0.flags.remove(.anonExclusive)
                    }
                    mms[child].anonPages += 512
                }
                await writeEntry(t, dstPmd, e, .pmd, "copy_huge_pmd")
                mms[child].deposited[addr & ~(PMD_SIZE - 1)] = deposit
                addr = pmdEnd
                continue
            }
            guard let srcSlot = slotOf(entry: pmd) else { addr = pmdEnd; continue }
            while addr < pmdEnd {
                let sref = EntryRef(slot: srcSlot, index: PageTableLevel.pte.index(addr))
                let pte = tables.read(srcSlot, sref.index)
                if pte != 0 && layout.isPresent(pte) {
                    var vmf = VMFault(mm: child, vma: vma, address: addr, flags: [])
                    guard let dstPmd = await allocWalk(t, mm: child, addr, to: .pmd) else { return }
                    vmf.pmd = dstPmd
                    guard let dref = await pteAlloc(t, vmf) else { return }
                    var e = pte
                    if cow, let pfn = vmNormalPage(vma, addr, pte, t),
                       identity(pfn).flags.contains(.anon),
                       config.has(.forkEarlyCowPinned), pageMaybeDMAPinned(pfn) {
                        // copy_present_page() (v5.9+ "mm: Do early cow for pinned pages during
                        // fork() for ptes"): a page that may be pinned for DMA is copied for the
                        // child now, so the parent's pinned page stays the parent's.
                        guard let copy = await allocPages(t, movable: true) else { return }
                        copyFrameData(from: pfn, to: copy)
                        pageAddNewAnonRmap(copy)
                        mms[child].anonPages += 1
                        let ce = layout.make(pfn: copy, prot: vma.pageProt)
                            | PTEBits.rw | PTEBits.dirty
                        await writeEntry(t, dref, ce, .pte, "copy_present_page(pinned)")
                        addr += PAGE_SIZE
                        continue
                    }
                    if let pfn = vmNormalPage(vma, addr, pte, t) {
                        await getPage(t, pfn)
                        withPage(pfn) {
                            $0.mapcount += 1
                            $0.flags.remove(.anonExclusive)
                        }
                        if identity(pfn).flags.contains(.anon) { mms[child].anonPages += 1 } else {
                            mms[child].filePages += 1
                        }
                    }
                    if cow && layout.isWrite(pte) {
                        e &= ~PTEBits.rw
                        await writeEntry(t, sref, e, .pte, "ptep_set_wrprotect")
                    }
                    await writeEntry(t, dref, e, .pte, "copy_present_pte")
                }
                addr += PAGE_SIZE
            }
        }
    }
}
