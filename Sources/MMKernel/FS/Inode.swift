/// A block device: a `disk` (or later a pmem namespace in raw/fsdax mode).
public struct BlockDevice: Hashable, Sendable {
    /// The scenario's name ("sda", "pmem0").
    public var name: String
    /// Size in bytes.
    public var size: UInt64
    /// The filesystem made on it, if any.
    public var fsType: FSType?
}

/// Filesystem types the model knows.
public enum FSType: String, Hashable, Sendable {
    /// ext4.
    case ext4
    /// xfs.
    case xfs
}

/// A mounted filesystem.
public struct Mount: Hashable, Sendable {
    /// Mount point ("/mnt").
    public var path: String
    /// Index of the block device (`FileSystems.blockDevice(named:)`).
    public var device: Int
    /// Mounted with `-o dax`.
    public var dax: Bool
    /// A hugetlbfs mount (no device; `device` is -1). Hugetlb/Hugetlbfs.swift.
    public var hugetlbfs = false
}

/// How a file's blocks were allocated.
public enum FileLayout: String, Hashable, Sendable {
    /// 2M-aligned extents.
    case contiguous
    /// 4K extents scattered over the device.
    case fragmented
    /// Unwritten (fallocated, never written).
    case hole
}

/// A modelled inode of a regular file with its page cache (`struct address_space`).
public struct Inode: Hashable, Sendable {
    /// The path.
    public var path: String
    /// The mount it lives on.
    public var mount: Int
    /// i_size in bytes.
    public var size: UInt64
    /// Block layout.
    public var layout: FileLayout
    /// Page cache: pfn per page index, -1 when not cached (the xarray of i_pages).
    public var cache: [Int32]
    /// i_mmap_rwsem.
    public var iMmapRwsem = LockState()
    /// mapping->invalidate_lock (i_mmap_sem / XFS_MMAPLOCK before v5.15).
    public var invalidateLock = LockState()
    /// The hugetlb fault mutex of a hugetlbfs file.
    public var hugetlbFaultMutex = LockState()

    /// The frame caching page `index`, nil when it is not cached.
    @inline(__always) public func cached(_ index: Int) -> Pfn? { Pfn(packed: cache[index]) }

    /// Caches frame `pfn` at page `index`, or removes the page there (nil).
    @inline(__always) public mutating func setCached(_ index: Int, _ pfn: Pfn?) {
        cache[index] = Pfn.packed(pfn)
    }

    /// Number of pages covering i_size.
    public var pages: Int { Int((size + PAGE_SIZE - 1) / PAGE_SIZE) }
}

extension Kernel {
    /// Adds a block device (a `disk` statement).
    public func addDisk(name: String, size: UInt64) {
        _ = files.addBlockDevice(name: name, size: size)
    }

    /// The index of the block device named `name` (a recorded read of the device list).
    public func blockDevice(named name: String) -> Int? {
        files.blockDevice(named: name)
    }

    /// Models mkfs: records the filesystem on the device (a `mkfs` in a thread is a write
    /// other threads' mount and unbind see).
    public func mkfs(device: Int, _ type: FSType) {
        files.setFilesystem(device: device, type)
    }

    /// The filesystem on block device `device` (nil: none, or no such device), read
    /// through the access log: what mount, DAX faults and unbind decide on.
    func filesystem(device: Int) -> FSType? {
        files.filesystem(device: device)
    }

    /// Models mount(2) of a device at `path`. Returns 0 or -errno: -EINVAL when the device
    /// has no filesystem (the kernel's "can't find ext4 filesystem" / VFS: bad superblock).
    public func mount(device: Int, at path: String, dax: Bool) -> Int {
        guard filesystem(device: device) != nil else { return -Errno.EINVAL }
        if files.mounts.contains(where: { $0.path == path }) { return -Errno.EBUSY }
        files.addMount(Mount(path: path, device: device, dax: dax))
        return 0
    }

    /// The mount whose path is the longest prefix of `path`.
    public func mountFor(path: String) -> Int? {
        var best: Int? = nil
        let mounts = files.mounts
        for (i, m) in mounts.enumerated() where path.hasPrefix(m.path + "/") {
            if best == nil || mounts[best!].path.count < m.path.count { best = i }
        }
        return best
    }

    /// Creates a regular file of `size` bytes (a `file` statement). -ENOENT when no
    /// filesystem is mounted above it, -EEXIST when it exists.
    public func createFile(path: String, size: UInt64, layout: FileLayout) -> Int {
        guard let m = mountFor(path: path) else { return -Errno.ENOENT }
        if files.inodes.contains(where: { $0.path == path }) { return -Errno.EEXIST }
        // The blocks are allocated as the layout says (fallocate): they must fit on the
        // device, next to the other files of the same filesystem (-ENOSPC otherwise).
        if files.mount(m).device >= 0 {
            let used = files.inodes.filter { $0.mount == m }.reduce(UInt64(0)) { $0 + $1.size }
            let capacity = files.blockDeviceSize(files.mount(m).device)
            guard size <= capacity, used <= capacity - size else { return -Errno.ENOSPC }
        }
        let pages = Int((size + PAGE_SIZE - 1) / PAGE_SIZE)
        files.inodes.append(Inode(path: path, mount: m, size: size, layout: layout,
                            cache: Array(repeating: -1, count: pages)))
        return 0
    }

    /// The inode of `path`.
    public func inode(path: String) -> InodeID? {
        files.inodes.firstIndex(where: { $0.path == path }).map(InodeID.init)
    }
}
