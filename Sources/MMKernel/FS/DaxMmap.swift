/// mmap of fs-dax files and device-dax (fs/ext4/file.c ext4_file_mmap, fs/xfs/xfs_file.c
/// xfs_file_mmap, drivers/dax/device.c dax_mmap, mm/mmap.c do_mmap's MAP_SHARED_VALIDATE
/// check, mm/huge_memory.c thp_get_unmapped_area, dax_get_unmapped_area).
extension Kernel {
    /// True when `target` is a file on a DAX mount.
    private func isDaxFile(_ target: MapTarget) -> Bool {
        if case .file(let inode) = target { return files.mount(files.inodes[inode].mount).dax }
        return false
    }

    /// The alignment get_unmapped_area gives a mapping: thp_get_unmapped_area aligns a
    /// mapping of a DAX file of at least 2M to 2M; dax_get_unmapped_area aligns a
    /// device-dax mapping of at least its alignment to that alignment (both over-allocate
    /// by the alignment and trim). 4K otherwise. (Offsets are assumed to be multiples of
    /// the alignment; the kernel would shift the address to match the offset's colour.)
    func daxUnmappedAreaAlign(_ req: MmapRequest, _ len: UInt64) -> UInt64 {
        if case .devDax(let region) = req.target {
            let a = devices.pmems[region].align
            return len >= a ? a : PAGE_SIZE
        }
        if isDaxFile(req.target) && config.era.daxInsertion != .mixedMapSpecial && len >= PMD_SIZE {
            return PMD_SIZE
        }
        return PAGE_SIZE
    }

    /// The DAX part of do_mmap() and the ->mmap handlers, run with the address chosen:
    /// MAP_SYNC exists from v4.15 (-EOPNOTSUPP for a MAP_SHARED_VALIDATE flag the file
    /// does not support, and for MAP_FIXED_NOREPLACE, which is not a legacy flag);
    /// ext4/xfs refuse VM_SYNC on a non-DAX file (daxdev_mapping_supported); a DAX file
    /// vma becomes `.fsDax` with VM_HUGEPAGE (+VM_MIXEDMAP in v4.4); device-dax runs
    /// check_vma (-EINVAL private or misaligned) and sets VM_HUGEPAGE. 0 or -errno.
    func daxMmapPrepare(_ req: MmapRequest, _ vma: inout VMA) -> Int {
        let daxFile = isDaxFile(req.target)
        var devdax: RegionID? = nil
        if case .devDax(let r) = req.target { devdax = r }
        if req.sync {
            guard config.era.hasMapSync else { return -Errno.EINVAL }
            if case .at = req.placement { return -Errno.EOPNOTSUPP }
            var supported = false
            if case .file = req.target { supported = true }  // ext4/xfs: MAP_SYNC in f_op
            if devdax != nil { supported = true }
            guard supported else { return -Errno.EOPNOTSUPP }
            if !daxFile && devdax == nil { return -Errno.EOPNOTSUPP }  // not IS_DAX
            vma.flags.insert(.sync)
        }
        if daxFile, case .file(let inode) = req.target {
            vma.backing = .fsDax(inode: inode)
            vma.flags.insert(.hugePage)
            if config.era.daxVmaMixedMap { vma.flags.insert(.mixedMap) }
        }
        if let region = devdax {
            let err = devDaxCheckVma(vma, region)
            if err != 0 { return err }
            vma.flags.insert(.hugePage)
        }
        return 0
    }
}
