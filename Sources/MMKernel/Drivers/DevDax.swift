import MMExplore

/// device-dax: /dev/daxN.0 (drivers/dax/device.c; reference §7.5).
extension Kernel {
    /// Models check_vma() (drivers/dax/device.c): -ENXIO when the device is gone, -EINVAL
    /// for a private mapping ("attempted private mapping") or a vma whose start or end is
    /// not a multiple of the namespace alignment ("unaligned vma").
    func devDaxCheckVma(_ vma: VMA, _ region: RegionID) -> Int {
        guard devices.pmemBound[region] else { return -Errno.ENXIO }
        let ns = devices.pmems[region]
        guard vma.flags.contains(.mayShare) else { return -Errno.EINVAL }
        let mask = ns.align - 1
        if vma.start & mask != 0 || vma.end & mask != 0 { return -Errno.EINVAL }
        return 0
    }

    /// Models dax_pgoff_to_phys(): the pfn of page `pgoff` when `pages` pages from it lie
    /// in the device, else nil.
    private func devDaxPgoffToPfn(_ region: RegionID, _ pgoff: Int, _ pages: Int) -> Pfn? {
        let ns = devices.pmems[region]
        guard pgoff >= 0, pgoff + pages <= ns.dataPages else { return nil }
        return ns.dataPfn + pgoff
    }

    /// Models dev_dax_huge_fault() → __dev_dax_pte/pmd/pud_fault(): check_vma failing is
    /// SIGBUS; a PTE fault needs align 4K (else SIGBUS); a PMD or PUD fault smaller than
    /// the alignment is SIGBUS and larger falls back; the huge range must lie inside the
    /// vma (else SIGBUS); a pgoff past the device is SIGBUS. ≤v6.14 inserts PFN_DEV|PFN_MAP
    /// (devmap); v6.15+ refcounted pages and folios. (dax_set_mapping's page->mapping is
    /// not modelled: device-dax has no inode in the model.)
    func devDaxFault(_ t: KTask, _ vmf: inout VMFault, _ region: RegionID,
                     _ level: PageTableLevel) async -> FaultResult {
        await t.step()
        if devDaxCheckVma(vmf.vma, region) != 0 { return .sigbus }
        let align = devices.pmems[region].align
        let size = level.size
        if level == .pte {
            if align > PAGE_SIZE { return .sigbus }
        } else {
            if level == .pmd && align > PMD_SIZE { return .sigbus }
            if size < align { return .sigbus }
            if size > align { return .fallback }
        }
        let haddr = vmf.address & ~(size - 1)
        if haddr < vmf.vma.start || haddr + size > vmf.vma.end { return .sigbus }
        let pgoff = Int(vmf.vma.pageIndex(haddr))
        let pages = Int(size >> 12)
        guard let pfn = devDaxPgoffToPfn(region, pgoff, pages) else { return .sigbus }
        let p = PfnT(pfn: pfn, flags: devices.pmems[region].pfnFlags)
        let write = vmf.isWrite
        var r: FaultResult
        switch (config.era.daxInsertion, level) {
        case (.refcountedFolios, .pte):
            r = await vmfInsertPageMkwrite(t, vmf, pfn: pfn, write: write)
        case (.refcountedFolios, .pmd): r = await vmfInsertFolioPmd(t, vmf, pfn: pfn, write: write)
        case (.refcountedFolios, _): r = await vmfInsertFolioPud(t, vmf, pfn: pfn, write: write)
        case (_, .pte): r = await vmfInsertMixed(t, vmf, p, mkwrite: false)
        case (_, .pmd): r = await vmfInsertPfnPmd(t, vmf, p, write: write)
        default: r = await vmfInsertPfnPud(t, vmf, p, write: write)
        }
        t.exec.note("dev_dax_huge_fault \(level) pgoff \(pgoff) -> pfn \(hex(pfn))")
        return r
    }
}
