/// What an mmap maps.
public enum MapTarget: Hashable, Sendable {
    /// MAP_ANONYMOUS.
    case anon
    /// A regular file, by inode number.
    case file(inode: InodeID)
    /// /dev/mem.
    case devMem
    /// /dev/daxN.0, by pmem region (Drivers/DevDax.swift).
    case devDax(region: RegionID)
    /// A dma-buf fd of a TTM buffer object (`dmabuf:NAME`), by BO index.
    case dmabuf(bo: Int)
    /// An AF_PACKET socket's RX ring (net/packet/af_packet.c packet_mmap).
    case packetRing
    /// A P2PDMA provider's sysfs allocate file (`p2pmem:NAME`), by provider index.
    case p2pmem(provider: Int)
}

/// Where an mmap is placed.
public enum MapPlacement: Hashable, Sendable {
    /// Wherever get_unmapped_area() puts it.
    case anywhere
    /// At an address aligned to this many bytes (the test's over-allocate-and-trim).
    case aligned(UInt64)
    /// Exactly here: MAP_FIXED_NOREPLACE (-EEXIST if taken).
    case at(UInt64)
}

/// An mmap request.
public struct MmapRequest: Hashable, Sendable {
    public var target: MapTarget
    public var length: UInt64
    public var read = true
    public var write = true
    public var exec = false
    public var shared = false
    public var populate = false
    public var placement = MapPlacement.anywhere
    public var offset: UInt64 = 0
    /// MAP_SHARED_VALIDATE|MAP_SYNC (FS/DaxMmap.swift).
    public var sync = false

    public init(target: MapTarget, length: UInt64) {
        self.target = target
        self.length = length
    }
}

/// Lowest address mmap hands out (mmap_min_addr).
let mmapMinAddr: UInt64 = 0x10000

extension Kernel {
    /// Models do_mmap() → mmap_region() (mm/mmap.c), then mm_populate() for
    /// MAP_POPULATE. Returns the address, or -errno.
    public func mmap(_ t: KTask, mm: MMID, _ req: MmapRequest) async -> Int64 {
        guard req.length > 0, req.length <= TASK_SIZE else {
            return -Int64(req.length == 0 ? Errno.EINVAL : Errno.ENOMEM)
        }
        guard req.offset & (PAGE_SIZE - 1) == 0 else { return -Int64(Errno.EINVAL) }
        let granule = hugetlbMmapGranule(req.target)  // hugetlbfs: 2M (Hugetlb/Hugetlbfs.swift)
        let len = (req.length + granule - 1) & ~(granule - 1)
        var flags: VMFlags = [.mayRead, .mayWrite, .mayExec, .softDirty]
        if req.read { flags.insert(.read) }
        if req.write { flags.insert(.write) }
        if req.exec { flags.insert(.exec) }
        if req.shared { flags.formUnion([.shared, .mayShare]) }
        var backing = VMABacking.anon
        var pgoff = req.offset >> 12
        switch req.target {
        case .anon:
            pgoff = 0
        case .file(let inode):
            backing = .file(inode: inode)
        case .devMem:
            backing = .devMem
            let err = devMemAllowed(pfn: Pfn(Int(pgoff)), pages: Int(len >> 12))
            if err != 0 { return Int64(err) }
        case .devDax(let region):
            backing = .devDax(region: region)
        case .dmabuf(let bo):
            backing = .dmabuf(bo: bo)
            // path_noexec(): dma-buf files live on a pseudo filesystem (init_pseudo).
            if config.era.pseudoFsNoexec { flags.remove(.mayExec) }
        case .packetRing:
            backing = .packetRing
            // path_noexec(): socket files live on sockfs, a pseudo filesystem.
            if config.era.pseudoFsNoexec { flags.remove(.mayExec) }
        case .p2pmem(let provider):
            backing = .p2pmem(provider: provider)
            flags.remove(.mayExec)  // path_noexec(): kernfs superblocks are SB_I_NOEXEC
        }
        // accountable_mapping(): private writable memory is charged (VM_ACCOUNT).
        if !req.shared && req.write { flags.insert(.account) }
        await lock(t, .mmap(mm: mm))
        let addr = getUnmappedArea(mm: mm, len: len, req: req)
        guard addr >= 0 else {
            await unlock(t, .mmap(mm: mm))
            return addr
        }
        var vma = VMA(start: UInt64(addr), end: UInt64(addr) + len, flags: flags, pgoff: pgoff,
                      backing: backing)
        // MAP_SHARED_VALIDATE's flag check and the DAX ->mmap (FS/DaxMmap.swift).
        var daxErr = daxMmapPrepare(req, &vma)
        if daxErr == 0 { daxErr = hugetlbfsMmapPrepare(req, &vma) }  // Hugetlb/Hugetlbfs.swift
        if daxErr != 0 {
            await unlock(t, .mmap(mm: mm))
            return Int64(daxErr)
        }
        await t.step()
        if case .devMem = req.target {
            // mmap_mem(): remap_pfn_range() over the whole vma (sets PFNMAP, IO...).
            let r = await remapPfnRange(t, mm: mm, &vma, pfn: Pfn(Int(pgoff)))
            if r != 0 {
                await unlock(t, .mmap(mm: mm))
                return Int64(r)
            }
        } else if let r = await driverMmap(t, mm: mm, &vma) {
            // call_mmap(): the driver's f_op->mmap (Drivers/DmaBuf.swift, P2PDMA.swift).
            if r != 0 {
                await unlock(t, .mmap(mm: mm))
                return Int64(r)
            }
            mms[mm].insert(vma)
        } else {
            mms[mm].insert(vma)
        }
        t.exec.note("mmap \(hex(vma.start))-\(hex(vma.end)) \(vma.flags.mnemonics)")
        await unlock(t, .mmap(mm: mm))
        if req.populate { _ = await mmPopulate(t, mm: mm, vma.start, len, ignoreErrors: true) }
        return Int64(vma.start)
    }

    /// Models get_unmapped_area() with the top-down allocator (mm/mmap.c
    /// unmapped_area_topdown), MAP_FIXED_NOREPLACE, and the era's THP alignment of anon
    /// mappings (thp_get_unmapped_area). Returns the address or -errno.
    private func getUnmappedArea(mm: MMID, len: UInt64, req: MmapRequest) -> Int64 {
        let m = mms[mm]
        if case .at(let addr) = req.placement {
            guard addr & (PAGE_SIZE - 1) == 0, addr >= mmapMinAddr else {
                return -Int64(Errno.EINVAL)
            }
            guard userRangeOK(addr, len) else { return -Int64(Errno.ENOMEM) }
            if m.vmas.contains(where: { $0.start < addr + len && addr < $0.end }) {
                return -Int64(Errno.EEXIST)
            }
            return Int64(addr)
        }
        var align = PAGE_SIZE
        if case .aligned(let a) = req.placement { align = max(a, PAGE_SIZE) }
        align = max(align, daxUnmappedAreaAlign(req, len), hugetlbMmapGranule(req.target))
        if req.target == .anon && !req.shared && config.has(.anonThpAlign)
            && len % PMD_SIZE == 0 && align < PMD_SIZE {
            align = PMD_SIZE
        }
        var gapEnd = m.mmapBase
        for vma in m.vmas.reversed() where vma.start < gapEnd {
            if gapEnd >= len {
                let candidate = (gapEnd - len) & ~(align - 1)
                if candidate >= vma.end { return Int64(candidate) }
            }
            gapEnd = vma.start
        }
        guard gapEnd >= len else { return -Int64(Errno.ENOMEM) }
        let candidate = (gapEnd - len) & ~(align - 1)
        return candidate >= mmapMinAddr ? Int64(candidate) : -Int64(Errno.ENOMEM)
    }

    /// Models devmem_is_allowed() with CONFIG_STRICT_DEVMEM (arch/x86/mm/init.c): the
    /// first MiB and non-RAM ranges may be mapped; RAM may not (-EPERM).
    private func devMemAllowed(pfn: Pfn, pages: Int) -> Int {
        for p in pfn..<(pfn + pages) where p >= Pfn(256) && p < Kernel.ramEnd {
            return -Errno.EPERM
        }
        return 0
    }
}
