import MMExplore

/// The mode of a pmem namespace (ndctl create-namespace -m).
public enum NamespaceMode: String, Hashable, Sendable {
    /// A block device /dev/pmemN that supports fs-dax (a pfn device, "memory mode").
    case fsdax
    /// A character device /dev/daxN.0 (drivers/dax/device.c).
    case devdax
    /// A plain block device without a pfn device.
    case raw
}

/// Where a namespace's struct pages live (ndctl --map).
public enum NamespaceMap: String, Hashable, Sendable {
    /// Memmap in DRAM (PFN_MODE_RAM).
    case mem
    /// Memmap on the device, reserved at its start through a vmem_altmap (PFN_MODE_PMEM).
    case dev
    /// No struct pages: pfn_valid() is false (raw namespaces; every namespace before v4.5).
    case none
}

/// A modelled pmem namespace on its own region. Regions are e820-like ranges above 4 GiB:
/// region 0 starts at 4 GiB and each next region at the following 1 GiB boundary after
/// the previous one (three 512 MiB regions sit at 4G, 5G and 6G, as in the oracle's
/// `memmap=512M!4G,512M!5G,512M!6G`).
public struct PmemNamespace: Hashable, Sendable {
    /// The block device name (`pmem0`), or the name given for a devdax namespace.
    public var name: String
    /// Region number (statement order).
    public var region: RegionID
    /// First pfn of the region.
    public var basePfn: Pfn
    /// Size in pages.
    public var pages: Int
    /// Mode.
    public var mode: NamespaceMode
    /// Memmap placement.
    public var map: NamespaceMap
    /// Alignment in bytes (4K, 2M or 1G): devdax fault size, fsdax pfn alignment.
    public var align: UInt64
    /// Pages before the data area: the pfn info block (8K) plus, for map=dev, the memmap
    /// itself (64 bytes per page), rounded up to max(align, 2M) as nd_pfn_init() does.
    public var dataOffset: Int
    /// The block device index (fsdax and raw modes).
    public var blockDevice: Int = -1

    /// First pfn of the data area (what direct_access hands out).
    public var dataPfn: Pfn { basePfn + dataOffset }
    /// Pages in the data area.
    public var dataPages: Int { pages - dataOffset }
    /// The pfn_t flags direct_access returns: PFN_DEV, +PFN_MAP with a memmap.
    public var pfnFlags: PfnFlags { map == .none ? .dev : [.dev, .map] }
}

extension Kernel {
    /// The pgmap type of a namespace's memmap: FS_DAX for fsdax (and raw legacy), GENERIC
    /// for device-dax (drivers/dax/pmem.c → devm_create_dev_dax).
    private func pgmapType(_ mode: NamespaceMode) -> PgmapType {
        mode == .devdax ? .generic : .fsDax
    }

    /// Creates pmem region `pmems.count` with one namespace and binds its driver (a `pmem`
    /// statement). `map` nil means the era's default (mem from v4.5, none before; raw is
    /// always none). Returns 0 or -errno: -EOPNOTSUPP for map=mem|dev before v4.5 (no pfn
    /// device yet) and for mode=devdax before v4.7 (no device-dax yet), -ENOMEM when the
    /// regions do not fit the modelled 64 GiB.
    public func addPmem(_ t: KTask, name: String, size: UInt64, mode: NamespaceMode,
                        map: NamespaceMap?, align: UInt64?) async -> Int {
        let era = config.era
        var m = map ?? (era.pmemHasMemmap ? .mem : .none)
        if mode == .raw { m = .none }
        if m != .none && !era.pmemHasMemmap { return -Errno.EOPNOTSUPP }
        // No device-dax driver before v4.7: ndctl cannot create a devdax namespace.
        if mode == .devdax && !era.hasDeviceDax { return -Errno.EOPNOTSUPP }
        let gib = 1 << 18
        var base = Pfn(1 << 20)  // 4 GiB
        for ns in devices.pmems { base = (ns.basePfn + ns.pages + gib - 1).aligned(order: 18) }
        let pages = Int(size >> 12)
        guard base + pages <= Pfn(Kernel.maxPfn) else { return -Errno.ENOMEM }
        let al = align ?? (mode == .raw ? PAGE_SIZE : PMD_SIZE)
        let unit = Int(max(al, PMD_SIZE) >> 12)
        var offset = 0
        switch m {
        case .dev: offset = (2 + (64 * (pages - 2) + 4095) / 4096 + unit - 1) / unit * unit
        case .mem: offset = (2 + unit - 1) / unit * unit
        case .none: offset = 0
        }
        var ns = PmemNamespace(name: name, region: RegionID(devices.pmems.count), basePfn: base,
                               pages: pages, mode: mode, map: m, align: al, dataOffset: offset)
        if mode != .devdax {
            ns.blockDevice = files.addBlockDevice(name: name, size: UInt64(ns.dataPages) << 12)
        }
        devices.addPmem(ns)
        return await pmemBind(t, ns.region)
    }

    /// The namespace behind block device or devdax name `name` (`pmem0`, `dax2.0`).
    public func pmemNamespace(named name: String) -> RegionID? {
        if let i = devices.pmems.firstIndex(where: { $0.name == name }) { return RegionID(i) }
        if name.hasPrefix("dax"), let dot = name.firstIndex(of: "."),
           let r = Int(name[name.index(name.startIndex, offsetBy: 3)..<dot]),
           r < devices.pmems.count, devices.pmems[r].mode == .devdax {
            return RegionID(r)
        }
        return nil
    }

    /// Models the pmem (pmem_attach_disk) or device-dax (dev_dax_probe) probe: with a
    /// memmap, devm_memremap_pages() over the data area (FS_DAX or GENERIC); device-dax
    /// pages are compound of the namespace's alignment (vmemmap_shift, v5.17+). 0, or
    /// -EBUSY when already bound.
    public func pmemBind(_ t: KTask, _ region: RegionID) async -> Int {
        await t.step()
        guard !devices.pmemBound[region] else { return -Errno.EBUSY }
        let ns = devices.pmems[region]
        if ns.map != .none {
            let i = await memremapPages(t, type: pgmapType(ns.mode), startPfn: ns.dataPfn,
                                        count: ns.dataPages, owner: ns.name)
            guard let i else { return -Errno.EBUSY }
            devices.pmemPgmap[region] = i
            // 1G namespaces keep order-0 pages: the model's tail offset is 16 bits (a
            // documented limitation; their PUD mappings are not counted by smaps anyway).
            if ns.mode == .devdax && ns.align == PMD_SIZE && config.era.devDaxCompoundPages {
                makeCompound(start: ns.dataPfn, count: ns.dataPages, order: 9)
            }
        }
        devices.pmemBound[region] = true
        t.exec.note("bind \(ns.name): \(ns.mode.rawValue) map=\(ns.map.rawValue) data pfn "
                    + "\(hex(ns.dataPfn))+\(ns.dataPages)")
        return 0
    }

    /// Marks `[start, start+count)` as compound pages of `order` (prep_compound_page on a
    /// ZONE_DEVICE memmap).
    func makeCompound(start: Pfn, count: Int, order: Int) {
        if order == 9 && start.isAligned(order: 9) {
            let end = start + ((count >> 9) << 9)
            memory.memmap.makeCompound2M(start..<end)
            return
        }
        let n = 1 << order
        var head = start
        while head + n <= start + count {
            withIdentity(head) { $0.flags.insert(.head); $0.order = UInt8(order) }
            for i in 1..<n {
                withPage(head + i) {
                    $0.flags.insert(.tail)
                    $0.headOffset = UInt16(truncatingIfNeeded: i)
                }
            }
            head += n
        }
    }
}

extension Kernel {
    /// Models unbinding the namespace's driver (echo > unbind). device-dax: kill_dev_dax()
    /// zaps every mapping of the device (unmap_mapping_range) before the devm release runs
    /// memunmap_pages(). fsdax: ≤v6.x the filesystem stays mounted and its mappings are
    /// not zapped (pre MF_MEM_PRE_REMOVE): memunmap_pages() waits only for pgmap
    /// references (GUP), so user PTEs may still map the pfns when the memmap is removed.
    /// 7.x tells XFS (MF_MEM_PRE_REMOVE), which zaps its fs-dax mappings first; ext4 is
    /// not told, and its mappings outlive the memmap as before (the 7.2 guest: a later
    /// munmap oopses in vm_normal_folio_pmd). Later DAX faults get SIGBUS.
    /// 0, or -ENODEV when not bound.
    public func pmemUnbind(_ t: KTask, _ region: RegionID) async -> Int {
        await t.step()
        guard devices.pmemBound[region] else { return -Errno.ENODEV }
        devices.pmemBound[region] = false
        t.exec.note("unbind \(devices.pmems[region].name)")
        // Zap and flush first: device-dax always; fs-dax when the filesystem is told (XFS
        // from 7.x, Era.xfsUnmapsOnPreRemove; any filesystem with the proposal's knob).
        let xfs = filesystem(device: devices.pmems[region].blockDevice) == .xfs
        let zap = devices.pmems[region].mode == .devdax || config.has(.daxUnmapOnRemove)
            || (config.era.xfsUnmapsOnPreRemove && xfs)
        if zap {
            for mm in mms.ids where !mms[mm].exited {
                await lockShared(t, .mmap(mm: mm))
                for v in mms[mm].vmas where daxVma(v, onRegion: region) {
                    var tlb = MMUGather(mm: mm)
                    await zapRange(t, mm: mm, vma: v, v.start, v.end, &tlb)
                    await tlbFlushMMU(t, &tlb)
                }
                await unlockShared(t, .mmap(mm: mm))
            }
        }
        if let pgmap = devices.pmemPgmap[region] {
            await memunmapPages(t, pgmap)
            devices.pmemPgmap[region] = nil
        }
        return 0
    }

    /// True when vma `v` maps DAX memory of pmem region `region`.
    private func daxVma(_ v: VMA, onRegion region: RegionID) -> Bool {
        switch v.backing {
        case .devDax(let r): return r == region
        case .fsDax(let inode):
            return daxFile(inode: inode).map { files.daxFiles[$0].region == region } ?? false
        default: return false
        }
    }
}
