/// FAULT_FLAG_* bits of a fault (include/linux/mm_types.h).
public struct FaultFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// FAULT_FLAG_WRITE.
    public static let write = FaultFlags(rawValue: 1 << 0)
    /// FAULT_FLAG_USER: the fault comes from user mode.
    public static let user = FaultFlags(rawValue: 1 << 1)
    /// FAULT_FLAG_REMOTE: on behalf of another mm (GUP remote).
    public static let remote = FaultFlags(rawValue: 1 << 2)
    /// FAULT_FLAG_UNSHARE (v5.19): make an anonymous page exclusive without write access.
    public static let unshare = FaultFlags(rawValue: 1 << 3)
}

/// The VM_FAULT_* outcome of a fault (include/linux/mm_types.h).
public enum FaultResult: Hashable, Sendable {
    /// Handled (0, VM_FAULT_NOPAGE, VM_FAULT_DONE_COW).
    case done
    /// VM_FAULT_SIGBUS.
    case sigbus
    /// VM_FAULT_SIGSEGV.
    case sigsegv
    /// VM_FAULT_OOM.
    case oom
    /// VM_FAULT_FALLBACK: a huge fault could not map at this level.
    case fallback
}

/// The fault being handled (`struct vm_fault`).
struct VMFault {
    /// The process.
    var mm: MMID
    /// The vma (a copy; the model does not change vmas during a fault).
    var vma: VMA
    /// The faulting address.
    var address: UInt64
    /// FAULT_FLAG_*.
    var flags: FaultFlags
    /// The PMD entry covering the address.
    var pmd = EntryRef(slot: TableSlot(0), index: 0)
    /// The PUD entry covering the address (set before PUD-level huge faults).
    var pud = EntryRef(slot: TableSlot(0), index: 0)
    /// With `fsdax_pmd_share`: the PMD table page the walk found (nil otherwise).
    var sharedTablePfn: Pfn?

    var isWrite: Bool { flags.contains(.write) }
}

extension Kernel {
    /// Models handle_mm_fault() → __handle_mm_fault() (mm/memory.c). The caller holds
    /// mmap_lock for read and has checked the vma's permissions (access_error()).
    func handleMMFault(_ t: KTask, mm: MMID, vma vmaIndex: Int, _ address: UInt64,
                       _ flags: FaultFlags) async -> FaultResult {
        checks.stats.faults += 1
        var vmf = VMFault(mm: mm, vma: mms[mm].vmas[vmaIndex], address: address, flags: flags)
        t.exec.note("handle_mm_fault \(hex(address))\(vmf.isWrite ? " write" : "")")
        if vmf.vma.flags.contains(.hugetlb) { return await hugetlbFault(t, &vmf) }  // Hugetlb/
        // p4d and pud tables; PUD-level huge faults for DAX vmas (create_huge_pud,
        // wp_huge_pud; Fault/DaxHugePud.swift); none for anon or page-cache files.
        if vmf.vma.isDax && config.era.hasPudHugeFault {
            if let r = await daxPudStep(t, &vmf) { return r }
        }
        guard let pmdRef = await pmdAllocMaybeShared(t, &vmf) else { return .oom }
        vmf.pmd = pmdRef
        let pmd = await readEntry(t, pmdRef)
        if let sharedTablePfn = vmf.sharedTablePfn,
           !(await pmdTableStillLive(t, pmdRef, pfn: sharedTablePfn, "__handle_mm_fault")) {
            return .done
        }
        if pmd == 0 && (thpSuitable(vmf.vma, address) || ttmHugeFaultEnabled(vmf.vma)) {
            let r = await createHugePmd(t, &vmf)
            if r != .fallback { return r }
        } else if layout.isLeaf(pmd) {
            if (vmf.isWrite || vmf.flags.contains(.unshare)) && !layout.isWrite(pmd) {
                let r = await wpHugePmd(t, &vmf, pmd)
                if r != .fallback { return r }
            } else {
                await hugePmdSetAccessed(t, vmf, pmd)
                return .done
            }
        }
        return await handlePteFault(t, &vmf)
    }

    /// Models create_huge_pmd() (mm/memory.c): anonymous vmas get a THP or the huge zero
    /// page; others have no huge_fault in this model yet and fall back.
    private func createHugePmd(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult {
        if vmf.vma.isAnonymous { return await doHugePmdAnonymousPage(t, &vmf) }
        if vmf.vma.isDax { return await daxHugeFault(t, &vmf, .pmd) }
        if case .dmabuf(let bo) = vmf.vma.backing { return await ttmBoVmHugeFault(t, &vmf, bo: bo) }
        return .fallback
    }

    /// Models wp_huge_pmd() (mm/memory.c).
    private func wpHugePmd(_ t: KTask, _ vmf: inout VMFault, _ pmd: UInt64) async -> FaultResult {
        if vmf.vma.isAnonymous { return await doHugePmdWpPage(t, &vmf, pmd) }
        if case .dmabuf(let bo) = vmf.vma.backing {
            let r = await ttmBoVmHugeFault(t, &vmf, bo: bo)
            if r != .fallback { return r }
        }
        if vmf.vma.isDax && !vmf.vma.flags.intersection([.shared, .mayShare]).isEmpty {
            let r = await daxHugeFault(t, &vmf, .pmd)
            if r != .fallback { return r }
        }
        await splitHugePmd(t, vmf, reason: "wp_huge_pmd")
        return .fallback
    }

    /// Models huge_pmd_set_accessed() (mm/huge_memory.c).
    private func hugePmdSetAccessed(_ t: KTask, _ vmf: VMFault, _ pmd: UInt64) async {
        if pmd & PTEBits.accessed == 0 {
            await writeEntry(t, vmf.pmd, pmd | PTEBits.accessed, .pmd, "huge_pmd_set_accessed")
        }
    }

    /// Models handle_pte_fault() (mm/memory.c).
    private func handlePteFault(_ t: KTask, _ vmf: inout VMFault) async -> FaultResult {
        let pmd = tables.read(vmf.pmd.slot, vmf.pmd.index)
        var pteRef: EntryRef? = nil
        var pte: UInt64 = 0
        if pmd != 0 {
            if layout.isLeaf(pmd) { return .done }  // raced with a huge fault: retry
            guard let slot = slotOf(entry: pmd) else { return .done }
            let ref = EntryRef(slot: slot, index: PageTableLevel.pte.index(vmf.address))
            pte = await readEntry(t, ref)
            pteRef = ref
        }
        if pte == 0 {
            if vmf.vma.isAnonymous { return await doAnonymousPage(t, &vmf) }
            return await doFault(t, &vmf)
        }
        if !layout.isPresent(pte) {
            // do_swap_page(): a migration entry waits for the migration; swap itself is
            // not modelled.
            guard layout.isMigration(pte), let ref = pteRef else { return .sigbus }
            await migrationEntryWait(t, ref, pte)
            return .done
        }
        let ref = pteRef!
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        let cur = tables.read(ref.slot, ref.index)
        if cur != pte {
            await unlock(t, ptl)
            return .done
        }
        if vmf.flags.contains(.unshare) && !layout.isWrite(pte) {
            return await doWpPage(t, &vmf, ref, pte)  // releases the PTL
        }
        if vmf.isWrite {
            if !layout.isWrite(pte) {
                return await doWpPage(t, &vmf, ref, pte)  // releases the PTL
            }
            if pte & PTEBits.dirty == 0 {
                await writeEntry(t, ref, pte | PTEBits.dirty | PTEBits.accessed, .pte,
                                 "pte_mkdirty")
            }
        } else if pte & PTEBits.accessed == 0 {
            await writeEntry(t, ref, pte | PTEBits.accessed, .pte, "pte_mkyoung")
        }
        await unlock(t, ptl)
        return .done
    }

    /// Models __pte_alloc() (mm/memory.c): make sure a PTE table hangs under the PMD.
    /// Returns the PTE's ref, or nil (OOM, or a huge PMD raced in).
    func pteAlloc(_ t: KTask, _ vmf: VMFault) async -> EntryRef? {
        var pmd = tables.read(vmf.pmd.slot, vmf.pmd.index)
        if pmd == 0 {
            guard let newSlot = await allocTable(t) else { return nil }
            let ptl = LockID.ptl(slot: vmf.pmd.slot)
            await lock(t, ptl)
            pmd = tables.read(vmf.pmd.slot, vmf.pmd.index)
            if pmd == 0 {
                pmd = layout.make(pfn: tables.pfn(ofSlot: newSlot), prot: PTEBits.table)
                await writeEntry(t, vmf.pmd, pmd, .pmd, "pmd_populate")
                await unlock(t, ptl)
            } else {
                await unlock(t, ptl)
                await freeTable(t, slot: newSlot)
            }
        }
        if layout.isLeaf(pmd) { return nil }
        guard let slot = slotOf(entry: pmd) else { return nil }
        return EntryRef(slot: slot, index: PageTableLevel.pte.index(vmf.address))
    }

    /// Models transhuge_vma_suitable() + hugepage_vma_check() (mm/huge_memory.c) for
    /// anonymous memory: the aligned 2M range lies inside the vma and THP is allowed.
    private func thpSuitable(_ vma: VMA, _ address: UInt64) -> Bool {
        // hugepage_vma_check(): a DAX vma may always try ->huge_fault (it checks the
        // range itself), unless VM_NOHUGEPAGE.
        if vma.isDax { return !vma.flags.contains(.noHugePage) }
        guard vma.isAnonymous, !vma.flags.contains(.noHugePage),
              vma.flags.intersection(.special).isEmpty else { return false }
        let enabled = config.has(.thpAlways) || vma.flags.contains(.hugePage)
        guard enabled else { return false }
        let haddr = address & ~(PMD_SIZE - 1)
        return haddr >= vma.start && haddr + PMD_SIZE <= vma.end
    }
}
