/// Faults on TTM buffer-object mappings (drivers/gpu/drm/ttm/ttm_bo_vm.c, reference
/// §10): 4K faults with prefaulting, and the v5.8–v5.15 huge PMD path.
extension Kernel {
    /// TTM_BO_VM_NUM_PREFAULT: a 4K fault maps up to this many pages.
    static let ttmBoVmNumPrefault = 16

    /// The BO page offset of `addr` in `vma` (vma->vm_pgoff is the offset into the BO).
    private func ttmPageOffset(_ vma: VMA, _ addr: UInt64) -> Int {
        Int(vma.pgoff) + Int((addr - vma.start) >> 12)
    }

    /// Models ttm_bo_vm_fault() → ttm_bo_vm_fault_reserved() (ttm_bo_vm.c) for a PTE
    /// fault: reserve the BO, SIGBUS past its end, then insert the faulting page and
    /// prefault up to TTM_BO_VM_NUM_PREFAULT following ones (never past the vma). A
    /// VM_MIXEDMAP vma (before "drm/ttm: nuke VM_MIXEDMAP on BO mappings v3") inserts with
    /// vmf_insert_mixed_prot(PFN_DEV), a VM_PFNMAP one with vmf_insert_pfn_prot(): special
    /// PTEs either way on x86 (with pte_special off, vmf_insert_mixed maps a system page
    /// as a refcounted normal PTE). Errors on prefaulted pages are ignored.
    func ttmBoVmFault(_ t: KTask, _ vmf: inout VMFault, bo: Int) async -> FaultResult {
        await t.step()  // ttm_bo_vm_reserve(): dma_resv_lock
        let b = drivers.ttm.bos[bo]
        let vma = vmf.vma
        var offset = ttmPageOffset(vma, vmf.address)
        let pageLast = Int(vma.pgoff) + Int(vma.length >> 12)
        guard !b.released, offset < b.pages else { return .sigbus }
        var addr = vmf.address & ~(PAGE_SIZE - 1)
        var result = FaultResult.done
        for i in 0..<Kernel.ttmBoVmNumPrefault {
            var v = vmf
            v.address = addr
            let pfn = b.pfn(at: offset)
            let r: FaultResult
            if vma.flags.contains(.mixedMap) {
                r = await vmfInsertMixed(t, v, PfnT(pfn: pfn, flags: .dev), mkwrite: false)
            } else {
                r = await vmfInsertPfn(t, v, pfn: pfn)
            }
            if r != .done {
                // "Never error on prefaulted PTEs"; the first page's error is NOPAGE in
                // the kernel (the access retries) — the model returns it, as a BUG_ON
                // behind it would have oopsed.
                if i == 0 { return r }
                break
            }
            result = r
            addr += PAGE_SIZE
            offset += 1
            if offset >= pageLast { break }
        }
        t.exec.note("ttm_bo_vm_fault \(b.name): mapped from \(hex(vmf.address & ~(PAGE_SIZE - 1)))"
                    + " to \(hex(addr))")
        return result
    }

    /// Models __transparent_hugepage_enabled() (include/linux/huge_mm.h) for a TTM vma,
    /// whose vm_ops have a huge_fault: not VM_NOHUGEPAGE, and THP "always" or
    /// VM_HUGEPAGE. handle_mm_fault then calls create_huge_pmd() on a none PMD.
    func ttmHugeFaultEnabled(_ vma: VMA) -> Bool {
        guard case .dmabuf = vma.backing, !vma.flags.contains(.noHugePage) else { return false }
        return config.has(.thpAlways) || vma.flags.contains(.hugePage)
    }

    /// Models the huge_fault of a TTM driver in v5.8–v5.15 (vmwgfx's vmw_bo_vm_huge_fault
    /// → ttm_bo_vm_fault_reserved(fault_page_size = 512) → ttm_bo_vm_insert_huge()) for a
    /// PMD fault. Only BOs created `huge` have it and only while `ttm_huge_fault` is on.
    /// A write to a COW mapping falls back (dirty tracking and COW are done at PTE
    /// level). The 2M chunk of the BO holding the fault (page offset rounded down to 512)
    /// must lie inside the BO, its first pfn must be 2M-aligned and its pages contiguous;
    /// it is inserted with vmf_insert_pfn_pmd_prot() and bare PFN_DEV — a PSE-only PMD
    /// that pmd_trans_huge() calls a THP (§3.6). With `ttm_pfn_map` (Thomas Hellström's
    /// proposal) a pfn with a dev_pagemap falls back and the PMD gets PFN_DEV|PFN_MAP
    /// (devmap). Anything else, or a failed insertion, is VM_FAULT_FALLBACK.
    func ttmBoVmHugeFault(_ t: KTask, _ vmf: inout VMFault, bo: Int) async -> FaultResult {
        guard config.has(.ttmHugeFault), drivers.ttm.bos[bo].huge else { return .fallback }
        if vmf.isWrite && vmf.vma.flags.isCOW { return .fallback }
        await t.step()  // ttm_bo_vm_reserve()
        let b = drivers.ttm.bos[bo]
        let offset = ttmPageOffset(vmf.vma, vmf.address)
        guard !b.released, offset < b.pages else { return .sigbus }
        // ttm_bo_vm_insert_huge(): the fault must not cross the BO's end.
        let first = offset & ~511
        guard first + 512 <= b.pages else { return .fallback }
        let pfn = b.pfn(at: first)
        guard pfn.isAligned(order: 9) else { return .fallback }
        if b.placement == .system {
            for i in 1..<512 where b.pfn(at: first + i) != pfn + i { return .fallback }
        }
        var flags: PfnFlags = .dev
        if config.has(.ttmPfnMap) {
            // "Huge entries must be special, that is marking them as devmap with no
            // backing device map range": a pfn with a dev_pagemap falls back.
            if let pgmap = await getDevPagemap(t, pfn: pfn) {
                await putDevPagemap(t, pgmap)
                return .fallback
            }
            flags.insert(.map)
        }
        let r = await vmfInsertPfnPmd(t, vmf, PfnT(pfn: pfn, flags: flags), write: vmf.isWrite)
        guard r == .done else { return .fallback }
        t.exec.note("ttm_bo_vm_insert_huge \(b.name): pmd \(hex(vmf.address & ~(PMD_SIZE - 1)))"
                    + " -> pfn \(hex(pfn)) \(flags.contains(.map) ? "PFN_DEV|PFN_MAP" : "PFN_DEV")")
        return .done
    }
}
