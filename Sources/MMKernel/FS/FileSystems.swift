import MMExplore

/// Files, block devices and mounts of one execution: the VFS and filesystem state the
/// model keeps (inodes with their page caches, DAX block maps and entries, stored
/// contents), owned here and reached through `Kernel.files`.
public struct FileSystems {
    /// Files, by inode number (page caches recorded per inode, `Obj.pageCache`).
    public internal(set) var inodes: TrackedArray<Inode>
    /// Block devices and the filesystems on them (FS/Inode.swift), reached through the
    /// accessors below: the list is `Obj.blockDeviceList`, each device's filesystem
    /// `Obj.blockDevice`.
    private var blockDeviceTable: [BlockDevice] = []
    /// Where the mount table records its accesses.
    private let log: AccessLog
    /// Mounted filesystems, in mount order; reached through the accessors below.
    private var mountTable: [Mount] = []
    /// Block maps and DAX entries of files on DAX mounts (FS/DaxFile.swift).
    public internal(set) var daxFiles: TrackedArray<DaxFile>
    /// The DAX files' mapping xarrays (FS/DaxXArray.swift).
    var daxEntries: DaxXArray
    /// File and block-device contents (FS/FileData.swift).
    var contents = StoredContents()

    /// No files, devices or mounts yet.
    init(log: AccessLog) {
        self.log = log
        inodes = TrackedArray(log: log, key: { Obj.pageCache(InodeID($0)) })
        daxFiles = TrackedArray(log: log, key: Obj.daxFile)
        daxEntries = DaxXArray(log: log)
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

    /// The index of the block device named `name` (records a read of the device list:
    /// a `disk` or `pmem` statement in another thread may add it).
    func blockDevice(named name: String) -> Int? {
        log.read(Obj.blockDeviceList)
        return blockDeviceTable.firstIndex { $0.name == name }
    }

    /// Adds a block device with no filesystem (records a write of the device list and of
    /// the new device's filesystem); returns its index.
    mutating func addBlockDevice(name: String, size: UInt64) -> Int {
        log.write(Obj.blockDeviceList)
        log.write(Obj.blockDevice(blockDeviceTable.count))
        blockDeviceTable.append(BlockDevice(name: name, size: size, fsType: nil))
        return blockDeviceTable.count - 1
    }

    /// The size of device `index`, which exists: a device's size never changes once it
    /// was added, and its index came from a recorded lookup, so this records nothing.
    func blockDeviceSize(_ index: Int) -> UInt64 { blockDeviceTable[index].size }

    /// The filesystem on device `index` (nil: none, or no such device): records a read
    /// of `Obj.blockDevice(index)`, which mkfs writes.
    func filesystem(device index: Int) -> FSType? {
        guard index >= 0 && index < blockDeviceTable.count else { return nil }
        log.read(Obj.blockDevice(index))
        return blockDeviceTable[index].fsType
    }

    /// Puts a filesystem on device `index` (records a write of `Obj.blockDevice(index)`).
    mutating func setFilesystem(device index: Int, _ type: FSType) {
        log.write(Obj.blockDevice(index))
        blockDeviceTable[index].fsType = type
    }

    /// The audit's unrecorded view of the block devices (Check/StateAudit.swift).
    var blockDevicesUnrecorded: [BlockDevice] { blockDeviceTable }

    /// The audit's unrecorded view of the mount table (Check/StateAudit.swift).
    var mountsUnrecorded: [Mount] { mountTable }
}
