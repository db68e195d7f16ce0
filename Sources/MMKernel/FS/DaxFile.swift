import MMExplore

/// The DAX side of a file on a filesystem mounted with `-o dax`: its block map on the
/// pmem namespace (what ext4/xfs iomap_begin reports); its mapping xarray of DAX entries
/// (fs/dax.c) is `FileSystems.daxEntries` (FS/DaxXArray.swift).
public struct DaxFile: Hashable, Sendable {
    /// The inode.
    public var inode: InodeID
    /// The pmem region the filesystem lives on.
    public var region: RegionID
    /// Data-area page (relative to the namespace's data pfn) of each file page; -1: hole.
    public var block: [Int32]
    /// The block is allocated but unwritten (fallocate): reads see zeroes.
    public var unwritten: [Bool]
    /// Metadata not yet persisted (blocks allocated or converted since the last fsync):
    /// what IOMAP_F_DIRTY reports to a MAP_SYNC write fault.
    public var metadataDirty = false
}

/// DAX entry bits (fs/dax.c DAX_SHIFT 4).
enum DaxEntryBits {
    static let locked: UInt64 = 1
    static let pmd: UInt64 = 2
    static let zero: UInt64 = 4
    static let empty: UInt64 = 8
    /// The pfn of an entry.
    static func pfn(_ e: UInt64) -> Pfn { Pfn(Int(e >> 4)) }
}

/// What iomap_begin reports for a range (include/linux/iomap.h types).
struct Iomap {
    enum Kind { case hole, unwritten, mapped }
    /// Type of the extent at the start of the range.
    var kind: Kind
    /// Data-area page of the first file page (mapped/unwritten), else -1.
    var block: Int
    /// Pages the extent covers from the start of the range (up to what was asked).
    var length: Int
}

extension Kernel {
    /// The DAX file record of `inode`, if its mount is DAX.
    func daxFile(inode: InodeID) -> Int? {
        files.daxFiles.firstIndex(where: { $0.inode == inode })
    }

    /// Mounts `device` at `path` with `-o dax`: ext4 refuses a block device without DAX
    /// support (-EINVAL, "DAX unsupported by block device"); xfs mounts with DAX turned
    /// off (xfs_setup_dax_always → "Turning off DAX"). A pmem namespace supports DAX when
    /// it has PFN_MAP (fsdax with a memmap), or in v4.4 whenever it is pmem.
    public func mountDax(device: Int, at path: String) -> Int {
        let ns = devices.pmems.firstIndex(where: { $0.blockDevice == device })
        var capable = false
        if let ns {
            let p = devices.pmems[ns]
            capable = devices.pmemBound[ns]
                && (config.era.pmemHasMemmap ? (p.mode == .fsdax && p.map != .none) : true)
        }
        if !capable {
            if filesystem(device: device) == .xfs {
                return mount(device: device, at: path, dax: false)
            }
            return filesystem(device: device) == nil ? mount(device: device, at: path, dax: false)
                : -Errno.EINVAL
        }
        return mount(device: device, at: path, dax: true)
    }

    /// Creates a file (a `file` statement); on a DAX mount its blocks are allocated on the
    /// namespace as `layout` says: contiguous = 2M-aligned runs; fragmented = 4K blocks
    /// with a gap after each (never two adjacent, never 2M-aligned runs); hole = a
    /// 2M-aligned unwritten extent, as fallocate gives. Returns 0 or -errno.
    public func createFileWithBlocks(path: String, size: UInt64, layout: FileLayout) -> Int {
        let r = createFile(path: path, size: size, layout: layout)
        guard r == 0, let ino = inode(path: path), files.mount(files.inodes[ino].mount).dax else {
            return r
        }
        let device = files.mount(files.inodes[ino].mount).device
        guard let region = devices.pmems.firstIndex(where: { $0.blockDevice == device })
            .map(RegionID.init) else { return r }
        let pages = files.inodes[ino].pages
        var f = DaxFile(inode: ino, region: region, block: Array(repeating: -1, count: pages),
                        unwritten: Array(repeating: layout == .hole, count: pages))
        switch layout {
        case .contiguous, .hole:
            guard let start = allocBlocks(region, pages, aligned: true) else {
                return -Errno.ENOSPC
            }
            for i in 0..<pages { f.block[i] = Int32(start + i) }
        case .fragmented:
            guard let start = allocBlocks(region, 2 * pages + 1, aligned: true) else {
                return -Errno.ENOSPC
            }
            for i in 0..<pages { f.block[i] = Int32(start + 1 + 2 * i) }
        }
        files.daxFiles.append(f)
        files.daxEntries.addFile(files.daxFiles.count - 1, pages: pages)
        return 0
    }

    /// The filesystem's block allocator on a namespace: `count` data pages, 2M-aligned
    /// when asked (mkfs -E stride=512 / xfs extsize 2m). nil when full.
    private func allocBlocks(_ region: RegionID, _ count: Int, aligned: Bool) -> Int? {
        var start = devices.pmemNextFree[region]
        if aligned { start = (start + 511) / 512 * 512 }
        // Data pages must themselves be 2M-aligned physically: the data area starts on a
        // max(align, 2M) boundary (nd_pfn_init), so relative alignment is physical.
        guard start + count <= devices.pmems[region].dataPages else { return nil }
        devices.pmemNextFree[region] = start + count
        return start
    }

    /// Models iomap_begin for a DAX fault (ext4_iomap_begin / xfs_direct_write_iomap_begin
    /// with IOMAP_DAX): the extent at page `index` of file `f`, at most `count` pages. A
    /// write (IOMAP_WRITE) allocates a hole and converts unwritten blocks (zeroed),
    /// leaving the metadata dirty until fsync.
    func daxIomap(_ f: Int, index: Int, count: Int, write: Bool) -> Iomap? {
        let end = min(index + count, files.daxFiles[f].block.count)
        guard index < end else { return nil }
        if write {
            if files.daxFiles[f].block[index] < 0 {
                // Allocate the whole missing run, 2M-aligned when a PMD was asked for.
                var n = 0
                while index + n < end && files.daxFiles[f].block[index + n] < 0 { n += 1 }
                guard let start = allocBlocks(files.daxFiles[f].region, n,
                                              aligned: count >= 512) else {
                    return nil
                }
                for i in 0..<n { files.daxFiles[f].block[index + i] = Int32(start + i) }
                files.daxFiles[f].metadataDirty = true
            }
            for i in index..<end where files.daxFiles[f].unwritten[i]
                && files.daxFiles[f].block[i] >= 0 {
                files.daxFiles[f].unwritten[i] = false
                files.daxFiles[f].metadataDirty = true
            }
        }
        let first = Int(files.daxFiles[f].block[index])
        let kind: Iomap.Kind =
            first < 0 ? .hole : files.daxFiles[f].unwritten[index] ? .unwritten : .mapped
        var n = 1
        while index + n < end {
            let b = Int(files.daxFiles[f].block[index + n])
            let k: Iomap.Kind =
                b < 0 ? .hole : files.daxFiles[f].unwritten[index + n] ? .unwritten : .mapped
            guard k == kind, kind == .hole || b == first + n else { break }
            n += 1
        }
        return Iomap(kind: kind, block: first, length: n)
    }

    /// Models dax_iomap_direct_access() → pmem_dax_direct_access() (fs/dax.c,
    /// drivers/nvdimm/pmem.c): the pfn_t of `block` for `pages` pages, or nil when the
    /// device cannot give them: driver unbound, extent shorter than asked, pfn not aligned
    /// to the size, or (≤v6.14) a multi-page request whose pfn_t is not devmap.
    func daxDirectAccess(_ region: RegionID, block: Int, pages: Int, extent: Int) -> PfnT? {
        guard devices.pmemBound[region] else { return nil }
        let ns = devices.pmems[region]
        guard block + pages <= ns.dataPages, extent >= pages else { return nil }
        let pfn = PfnT(pfn: ns.dataPfn + block, flags: ns.pfnFlags)
        if pfn.pfn.raw & (pages - 1) != 0 { return nil }
        if pages > 1 && config.era.daxInsertion == .devmap && !pfnTDevmap(pfn) { return nil }
        return pfn
    }
}
