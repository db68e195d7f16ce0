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
    /// A process's mm->write_protect_seq.
    static func writeProtectSeq(_ mm: Int) -> ObjectID { make(12, mm) }
    /// A direct I/O request's completion.
    static func dio(_ id: Int) -> ObjectID { make(13, id) }
    /// A memmap section (128 MiB of struct pages): removed as a whole by memunmap_pages.
    static func section(_ pfn: Int) -> ObjectID { make(14, pfn >> MemMap.sectionShift) }
    /// A CPU's local IRQ state (and the IPIs it services).
    static func cpuIrq(_ cpu: Int) -> ObjectID { make(11, cpu) }
    /// A CPU's TLB (filled by its user accesses, flushed locally or by IPI).
    static func tlb(_ cpu: Int) -> ObjectID { make(32, cpu) }
    /// A DAX entry of a file's mapping xarray (fs/dax.c), by DAX file and page index.
    static func daxEntry(_ file: Int, _ index: Int) -> ObjectID { make(40, file << 32 | index) }
    /// A pmem namespace's driver binding (bind/unbind vs. direct_access).
    static func pmemNs(_ region: Int) -> ObjectID { make(41, region) }
    /// A dev_pagemap's percpu_ref.
    static func pgmap(_ index: Int) -> ObjectID { make(10, index) }
    /// A TTM buffer object's state (reservation, references, backing pages).
    static func bo(_ index: Int) -> ObjectID { make(20, index) }
    /// A hugetlb vma lock (struct hugetlb_vma_lock's rw_sema), by index.
    static func hugetlbVmaLock(_ index: Int) -> ObjectID { make(42, index) }
    /// A hugetlbfs file's page cache (huge page per index) and i_size.
    static func hugetlbFile(_ file: Int) -> ObjectID { make(43, file) }
    /// A hugetlb PMD table's share count (pt_share_count), by table slot.
    static func ptShareCount(_ slot: Int) -> ObjectID { make(44, slot) }
    /// An mm's mm_cpumask (and tlb_gen): written by switch_mm, read by a TLB shootdown.
    static func cpumask(_ mm: Int) -> ObjectID { make(45, mm) }
    /// A hugetlbfs file's fault mutex, by inode.
    static func hugetlbFaultMutex(_ inode: Int) -> ObjectID { make(46, inode) }
    /// A file's mapping->invalidate_lock, by inode.
    static func invalidateLock(_ inode: Int) -> ObjectID { make(47, inode) }
    /// A P2PDMA provider's genpool.
    static func genpool(_ index: Int) -> ObjectID { make(21, index) }
}
