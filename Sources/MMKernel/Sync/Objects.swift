import MMExplore

/// How the model numbers the shared objects it declares at scheduling points. The
/// explorer only compares identities; these helpers keep the numbering in one place.
enum Obj {
    private static func make(_ kind: UInt64, _ index: Int) -> ObjectID {
        ObjectID(kind << 56 | UInt64(truncatingIfNeeded: index) & 0x00ff_ffff_ffff_ffff)
    }
    /// One page-table entry: table slot and index.
    static func entry(_ slot: Int, _ index: Int) -> ObjectID { make(1, slot << 9 | index) }
    /// A struct page's refcount, mapcount and flags.
    static func page(_ pfn: Int) -> ObjectID { make(2, pfn) }
    /// A page-table lock (split PTL of a table page).
    static func ptl(_ slot: Int) -> ObjectID { make(3, slot) }
    /// A process's mmap_lock.
    static func mmapLock(_ mm: Int) -> ObjectID { make(4, mm) }
    /// A file's i_mmap_rwsem.
    static func iMmap(_ inode: Int) -> ObjectID { make(5, inode) }
    /// A process's vma tree and counters.
    static func vmas(_ mm: Int) -> ObjectID { make(6, mm) }
    /// A file's page cache.
    static func pageCache(_ inode: Int) -> ObjectID { make(7, inode) }
    /// The page allocator's free lists.
    static let allocator = make(8, 0)
    /// A frame's contents (user data).
    static func frame(_ pfn: Int) -> ObjectID { make(9, pfn) }
    /// A dev_pagemap's percpu_ref.
    static func pgmap(_ index: Int) -> ObjectID { make(10, index) }
}
