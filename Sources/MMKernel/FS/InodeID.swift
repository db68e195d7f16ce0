/// A file's inode number: which `Inode` of `FileSystems.inodes` (its index there). A type
/// of its own so that an inode cannot be mixed up with a mount, a device or a page index;
/// `struct page`'s packed mapping field keeps its `Int32`.
public struct InodeID: Hashable, Sendable, CustomStringConvertible {
    /// The index in `FileSystems.inodes`.
    public var raw: Int

    /// The inode numbered `raw`.
    @inline(__always) public init(_ raw: Int) { self.raw = raw }

    /// The decimal inode number, as an `Int` prints.
    public var description: String { String(raw) }
}

extension InodeID {
    /// The packed form of an inode, for `Int32` stores (`Page.inode`, -1 for none).
    @inline(__always) static func packed(_ inode: InodeID) -> Int32 {
        Int32(truncatingIfNeeded: inode.raw)
    }
}

extension TrackedArray where Element == Inode {
    /// Inode `id`, recording the read or the write of its page cache object.
    @inline(__always) public subscript(_ id: InodeID) -> Inode {
        get { self[id.raw] }
        _modify { yield &self[id.raw] }
        set { self[id.raw] = newValue }
    }

    /// Inode `id` without recording (lock words: Sync/Locks.swift records the lock).
    func unrecorded(_ id: InodeID) -> Inode { unrecorded(id.raw) }
    /// Changes inode `id` without recording (lock words only).
    mutating func withUnrecorded<R>(_ id: InodeID, _ body: (inout Inode) -> R) -> R {
        withUnrecorded(id.raw, body)
    }
}
