import MMExplore

/// A file on a hugetlbfs mount: its page cache holds one 2M huge page per huge index.
public struct HugetlbFile: Hashable, Sendable {
    /// The inode number.
    public var inode: InodeID
    /// Head pfn of the huge page at each 2M index, -1 when none is cached.
    public var pages: [Int32]

    /// The head frame of the huge page cached at 2M index `idx`, nil when none is.
    @inline(__always) public func page(_ idx: Int) -> Pfn? { Pfn(packed: pages[idx]) }

    /// Caches the huge page headed by `pfn` at 2M index `idx`, or removes it (nil).
    @inline(__always) public mutating func setPage(_ idx: Int, _ pfn: Pfn?) {
        pages[idx] = Pfn.packed(pfn)
    }
}

/// The hugetlb state of one execution (mm/hugetlb.c, fs/hugetlbfs/inode.c): the files
/// on hugetlbfs mounts, the hugetlb vma locks, and the PMD tables' share counts. Flat
/// arrays; nothing here is on the 4K fault path.
///
/// The huge page pool is modelled as surplus pages (nr_hugepages=0 with overcommit):
/// a page comes from the page allocator as an order-9 compound page when first faulted
/// and goes back to it when its last reference drops (update_and_free_hugetlb_folio).
/// Reservations (hugetlb_reserve_pages) and the fault mutex table are not modelled: the
/// page-cache insert re-checks the index instead, so one index never gets two pages.
public struct HugetlbState: Hashable, Sendable {
    /// Files on hugetlbfs mounts.
    public var files: [HugetlbFile] = []
    /// Hugetlb vma locks by index (`VMA.hugetlbVmaLock`): the rwsem state.
    var vmaLocks: [LockState] = []
    /// Per vma-lock index: the vma was finally unmapped (its lock freed, or, before v6.1,
    /// it left i_mmap): share walkers no longer consider it.
    var vmaGone: [Bool] = []
    /// pt_share_count per table slot, valid while `shareCountPfn[slot]` is the slot's frame.
    var shareCount: [Int32] = []
    /// The table frame each `shareCount` entry belongs to.
    var shareCountPfn: [Int32] = []
    /// PMD tables an mm stopped sharing (huge_pmd_unshare), for the checker of lockless
    /// walks that were still inside them (`foreign-table-walk`).
    var givenUp: [GivenUpTable] = []
    /// Huge pages allocated from the page allocator so far (HugePages_Surp over time).
    public var pagesAllocated = 0
    /// Successful huge_pmd_share() calls (a PUD pointed at another process's table).
    public var shares = 0
    /// Successful huge_pmd_unshare() calls.
    public var unshares = 0
}

/// A shared hugetlb PMD table one mm gave up: the table page (slot and allocation epoch)
/// and the hugetlb file whose pages it mapped.
struct GivenUpTable: Hashable, Sendable {
    /// The mm whose PUD no longer points to the table.
    var mm: MMID
    /// The table's slot in the table store.
    var slot: TableSlot
    /// The table page's allocation epoch then (a freed and reused frame differs).
    var epoch: UInt32
    /// The hugetlbfs inode the shared table mapped.
    var inode: InodeID
}

extension Kernel {
    /// The index in `hugetlb.files` of inode `inode`, or nil when it is not on hugetlbfs.
    func hugetlbFile(inode: InodeID) -> Int? {
        hugetlb.files.firstIndex(where: { $0.inode == inode })
    }

    /// Allocates a hugetlb vma lock (hugetlb_vma_lock_alloc, mm/hugetlb.c); the model
    /// also uses its index as the vma's identity in every era.
    func hugetlbVmaLockAlloc() -> Int32 {
        hugetlb.vmaLocks.append(LockState())
        hugetlb.vmaGone.append(false)
        return Int32(hugetlb.vmaLocks.count - 1)
    }

    /// True when hugetlb vma `v` is still linked for share walkers (huge_pmd_share's
    /// i_mmap walk).
    func hugetlbVmaLinked(_ v: VMA) -> Bool {
        v.hugetlbVmaLock >= 0 && !hugetlb.vmaGone[Int(v.hugetlbVmaLock)]
    }
}
