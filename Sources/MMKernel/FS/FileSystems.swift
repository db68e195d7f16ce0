import MMExplore

/// Files, block devices and mounts of one execution: the VFS and filesystem state the
/// model keeps (inodes with their page caches, DAX block maps and entries, stored
/// contents), owned here and reached through `Kernel.files`.
public struct FileSystems {
    /// Files, by inode number (page caches recorded per inode, `Obj.pageCache`).
    public internal(set) var inodes: TrackedArray<Inode>
    /// Block devices and the filesystems on them (FS/Inode.swift; `Obj.blockDevice`).
    public internal(set) var blockDevices: [BlockDevice] = []
    /// Where the mount table records its accesses.
    private let log: AccessLog
    /// Mounted filesystems, in mount order; reached through the accessors below.
    private var mountTable: [Mount] = []
    /// Block maps and DAX entries of files on DAX mounts (FS/DaxFile.swift).
    public internal(set) var daxFiles: TrackedArray<DaxFile>
    /// File and block-device contents (FS/FileData.swift).
    var contents = StoredContents()
    /// Direct I/O requests submitted so far. Names DMA agents and their completions
    /// (`dma<N>`): harness bookkeeping, not kernel state (no kernel path reads it), so it
    /// records nothing.
    var dioCount = 0

    /// No files, devices or mounts yet.
    init(log: AccessLog) {
        self.log = log
        inodes = TrackedArray(log: log, key: Obj.pageCache)
        daxFiles = TrackedArray(log: log, key: Obj.daxFile)
    }

    /// The mount table as path lookup reads it (records a read of `Obj.mountTable`):
    /// a `mount` in another thread may change which filesystem a path resolves to.
    public var mounts: [Mount] {
        log.read(Obj.mountTable)
        return mountTable
    }

    /// Mount `index`, which exists: a mount's device and options never change once
    /// mount(2) returned, and its index came from a recorded lookup (or from an inode,
    /// which is recorded), so reading its fields touches no shared state.
    public func mount(_ index: Int) -> Mount { mountTable[index] }

    /// Adds a mount (records a write of `Obj.mountTable`).
    mutating func addMount(_ mount: Mount) {
        log.write(Obj.mountTable)
        mountTable.append(mount)
    }

    /// The audit's unrecorded view of the mount table (Check/StateAudit.swift).
    var mountsUnrecorded: [Mount] { mountTable }
}
