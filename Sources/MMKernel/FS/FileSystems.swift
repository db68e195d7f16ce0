import MMExplore

/// Files, block devices and mounts of one execution: the VFS and filesystem state the
/// model keeps (inodes with their page caches, DAX block maps and entries, stored
/// contents), owned here and reached through `Kernel.files`.
public struct FileSystems {
    /// Files, by inode number (page caches recorded per inode, `Obj.pageCache`).
    public internal(set) var inodes: TrackedArray<Inode>
    /// Block devices and the filesystems on them (FS/Inode.swift; `Obj.blockDevice`).
    public internal(set) var blockDevices: [BlockDevice] = []
    /// Mounted filesystems.
    public internal(set) var mounts: [Mount] = []
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
        inodes = TrackedArray(log: log, key: Obj.pageCache)
        daxFiles = TrackedArray(log: log, key: Obj.daxFile)
    }
}
