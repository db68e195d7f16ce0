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

extension InodeID: TrackedIndex {
    /// An inode ID indexes `FileSystems.inodes`.
    public typealias Indexed = Inode
}
