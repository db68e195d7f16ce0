import MMExplore

/// How the model numbers the shared objects it declares at scheduling points. The
/// explorer only compares identities; these helpers keep the numbering in one place.
enum Obj {
    private static func make(_ kind: UInt64, _ index: Int) -> ObjectID {
        ObjectID(kind << 56 | UInt64(truncatingIfNeeded: index) & 0x00ff_ffff_ffff_ffff)
    }
    /// One page-table entry: table slot and index.
    static func entry(_ slot: TableSlot, _ index: Int) -> ObjectID {
        make(1, slot.raw << 9 | index)
    }
    /// A struct page's shape: shape flags, compound order and head, pgmap, allocation
    /// epoch (what allocation and freeing change).
    static func page(_ pfn: Pfn) -> ObjectID { make(2, pfn.raw) }
    /// A struct page's reference counts: refcount and pincount. Split from the identity
    /// as in the kernel, where a walker reading page flags does not contend with an
    /// atomic get_page on the same page.
    static func pageCount(_ pfn: Pfn) -> ObjectID { make(15, pfn.raw) }
    /// A struct page's mapcounts (`_mapcount`, `entire_mapcount`): a field apart from
    /// `_refcount`, so rmap changes and the tests of them (is it still mapped?) do not
    /// order against get_page/put_page.
    static func pageMapcount(_ pfn: Pfn) -> ObjectID { make(74, pfn.raw) }
    /// A struct page's state while allocated: the flags that are not its shape (anon, page
    /// cache, dirty, uptodate...), mapping and index. Apart from `page` (the shape), so
    /// a page leaving the page cache does not order against a put or a DMA's check.
    static func pageState(_ pfn: Pfn) -> ObjectID { make(76, pfn.raw) }
    /// The counts of 512 struct pages (2 MiB of pfns) as one object: every access to a
    /// count reads it, a sweep over a namespace's pages writes it (MemMap.refcountInSweep).
    static func pageCountBlock(_ pfn: Pfn) -> ObjectID { make(16, pfn.raw >> 9) }
    /// A page-table lock (split PTL of a table page).
    static func ptl(_ slot: TableSlot) -> ObjectID { make(3, slot.raw) }
    /// A process's mmap_lock.
    static func mmapLock(_ mm: MMID) -> ObjectID { make(4, mm.raw) }
    /// A file's i_mmap_rwsem.
    static func iMmap(_ inode: InodeID) -> ObjectID { make(5, inode.raw) }
    /// A process's vma tree and counters.
    static func vmas(_ mm: MMID) -> ObjectID { make(6, mm.raw) }
    /// A process's vmas' anon_vma links (vma->anon_vma): set by a fault under mmap_lock
    /// held shared, so apart from the tree a fault only reads.
    static func anonVMA(_ mm: MMID) -> ObjectID { make(77, mm.raw) }
    /// A file's page cache.
    static func pageCache(_ inode: InodeID) -> ObjectID { make(7, inode.raw) }
    /// The page allocator's free lists.
    static let allocator = make(8, 0)
    /// One list of a CPU's per-cpu free lists (struct per_cpu_pages): by zone and order
    /// (`list` = zone * 11 + order), so an order-0 allocation looking at another CPU's
    /// list does not conflict with that CPU's freeing a THP.
    static func pcp(_ cpu: Int, list: Int) -> ObjectID { make(72, cpu << 8 | list) }
    /// Which CPUs have per-cpu lists: a CPU's first free writes it, an allocation that
    /// walks the other CPUs' lists reads it.
    static let pcpSet = make(73, 0)
    /// Whether one CPU has its per-cpu lists yet (its first free creates them).
    static func pcpLists(_ cpu: Int) -> ObjectID { make(75, cpu) }
    /// A frame's contents (user data).
    static func frame(_ pfn: Pfn) -> ObjectID { make(9, pfn.raw) }
    /// A process's mm->tlb_flush_pending (mmu_gathers in progress on the mm).
    static func tlbFlushPending(_ mm: MMID) -> ObjectID { make(60, mm.raw) }
    /// The filesystem mkfs put on block device `device` (unbind and mount ask which it is).
    static func blockDevice(_ device: Int) -> ObjectID { make(61, device) }
    /// A process's mm->write_protect_seq.
    static func writeProtectSeq(_ mm: MMID) -> ObjectID { make(12, mm.raw) }
    /// A direct I/O request's completion, by a hash of its DMA agent's name.
    static func dio(_ id: Int) -> ObjectID { make(13, id) }
    /// A memmap section (128 MiB of struct pages): removed as a whole by memunmap_pages.
    static func section(_ pfn: Pfn) -> ObjectID {
        make(14, pfn.raw >> MemMap.sectionShift)
    }
    /// A CPU's local IRQ state (and the IPIs it services).
    static func cpuIrq(_ cpu: Int) -> ObjectID { make(11, cpu) }
    /// A CPU's TLB (filled by its user accesses, flushed locally or by IPI).
    static func tlb(_ cpu: Int) -> ObjectID { make(32, cpu) }
    /// A DAX entry of a file's mapping xarray (fs/dax.c), by DAX file and page index.
    static func daxEntry(_ file: Int, _ index: Int) -> ObjectID { make(40, file << 32 | index) }
    /// A pmem namespace's driver binding (bind/unbind vs. direct_access).
    static func pmemNs(_ region: RegionID) -> ObjectID { make(41, region.raw) }
    /// A pmem namespace's geometry (fixed at creation: written only by it).
    static func pmemGeometry(_ region: RegionID) -> ObjectID { make(67, region.raw) }
    /// A pmem namespace's dev_pagemap index while bound (probe and unbind write it).
    static func pmemPgmap(_ region: RegionID) -> ObjectID { make(68, region.raw) }
    /// The filesystem's block allocator on a pmem namespace.
    static func pmemAlloc(_ region: RegionID) -> ObjectID { make(69, region.raw) }
    /// The data blocks the filesystem freed on a pmem namespace.
    static func pmemFreed(_ region: RegionID) -> ObjectID { make(70, region.raw) }
    /// A dev_pagemap's percpu_ref.
    static func pgmap(_ pgmap: PgmapID) -> ObjectID { make(10, pgmap.raw) }
    /// A TTM buffer object's state (reservation, references, backing pages).
    static func bo(_ index: Int) -> ObjectID { make(20, index) }
    /// A hugetlb vma lock (struct hugetlb_vma_lock's rw_sema), by index.
    static func hugetlbVmaLock(_ index: Int) -> ObjectID { make(42, index) }
    /// A hugetlbfs file's page cache (huge page per index) and i_size.
    static func hugetlbFile(_ file: Int) -> ObjectID { make(43, file) }
    /// A hugetlb PMD table's share count (pt_share_count), by table slot.
    static func ptShareCount(_ slot: TableSlot) -> ObjectID { make(44, slot.raw) }
    /// An mm's mm_cpumask (and tlb_gen): written by switch_mm, read by a TLB shootdown.
    static func cpumask(_ mm: MMID) -> ObjectID { make(45, mm.raw) }
    /// An mm's RSS counters (MM_ANONPAGES, MM_FILEPAGES): updated by commuting adds.
    static func mmCounters(_ mm: MMID) -> ObjectID { make(46, mm.raw) }
    /// An mm's deposited PTE tables (pgtable_trans_huge_deposit).
    static func deposit(_ mm: MMID) -> ObjectID { make(47, mm.raw) }
    /// A dev_pagemap's percpu_ref count: gets and puts are commuting updates, in percpu
    /// and atomic mode alike (the mode is `pgmapLive`, the completion `pgmapDone`).
    static func pgmapRef(_ pgmap: PgmapID) -> ObjectID { make(54, pgmap.raw) }
    /// A dev_pagemap's percpu_ref mode (live, or killed): what percpu_ref_tryget_live()
    /// reads and percpu_ref_kill() writes, apart from the count (`pgmapRef`).
    static func pgmapLive(_ pgmap: PgmapID) -> ObjectID { make(58, pgmap.raw) }
    /// A dev_pagemap's `done` completion: completed once the killed ref's count reaches
    /// zero, which memunmap_pages()'s wait observes from the count and records.
    static func pgmapDone(_ pgmap: PgmapID) -> ObjectID { make(59, pgmap.raw) }
    /// The huge zero page pointer (huge_zero_page / huge_zero_folio).
    static let hugeZero = make(55, 0)
    /// The highest pfn of hot-added device memory with a memmap (read by vm_normal_page's
    /// highest_memmap_pfn check).
    static let deviceExtent = make(56, 0)
    /// The number of elements of a `TrackedArray` whose element `0` is `key`: one object
    /// per kind of array (inodes, DAX files, pgmaps, pmem namespaces).
    static func length(of key: ObjectID) -> ObjectID { make(64, Int(kind(key))) }
    /// The number of processes (`Kernel.mms`): fork and process creation write it, walks
    /// over every process read it.
    static let processCount = make(71, 0)
    /// The list of block devices a name lookup walks (`disk` and `pmem` add to it).
    static let blockDeviceList = make(63, 0)
    /// The mount table path lookup walks (mount(2) adds to it).
    static let mountTable = make(62, 0)
    /// Pages AF_PACKET rings hold until their sockets close.
    static let socketPages = make(57, 0)
    /// A DAX file's block map and size in pages (its entries are `daxPte`/`daxPmd`).
    static func daxFile(_ file: Int) -> ObjectID { make(49, file) }
    /// The DAX entry at one page index of a DAX file's xarray (FS/DaxXArray.swift).
    static func daxPte(_ file: Int, _ index: Int) -> ObjectID { make(65, file << 32 | index) }
    /// The PMD (multi-order) DAX entry of a DAX file over 512 indices, by 2M block.
    static func daxPmd(_ file: Int, _ block: Int) -> ObjectID { make(66, file << 32 | block) }
    /// A hugetlbfs file's fault mutex, by inode.
    static func hugetlbFaultMutex(_ inode: InodeID) -> ObjectID { make(50, inode.raw) }
    /// A file's mapping->invalidate_lock, by inode.
    static func invalidateLock(_ inode: InodeID) -> ObjectID { make(51, inode.raw) }
    /// A P2PDMA provider's genpool.
    static func genpool(_ index: Int) -> ObjectID { make(21, index) }
    /// Every file's and block device's stored contents (the audit's key for them).
    static let fileContents = make(48, 0)
    /// One 4K page of a file's or block device's stored contents.
    static func storedPage(_ store: DataStore, _ page: UInt64) -> ObjectID {
        switch store {
        case .file(let inode):
            return make(52, inode.raw << 36 | Int(truncatingIfNeeded: page & 0xf_ffff_ffff))
        case .device(let dev):
            return make(53, dev << 36 | Int(truncatingIfNeeded: page & 0xf_ffff_ffff))
        }
    }

    /// The kind number of an object (the top byte of its identity).
    static func kind(_ o: ObjectID) -> UInt64 { o.raw >> 56 }

    /// A readable name of an object's kind, for audit messages.
    static func kindName(_ o: ObjectID) -> String {
        let names: [UInt64: String] = [
            1: "page-table entry", 2: "struct page", 3: "ptl", 4: "mmap_lock", 5: "i_mmap_rwsem",
            6: "vma tree", 7: "page cache", 8: "page allocator", 9: "frame contents",
            10: "dev_pagemap", 11: "cpu irq state", 12: "write_protect_seq", 13: "dio",
            14: "memmap section", 15: "struct page counts", 16: "struct page counts block",
            20: "TTM bo", 21: "p2pdma genpool", 32: "TLB",
            40: "DAX entry", 41: "pmem namespace binding", 42: "hugetlb vma lock",
            43: "hugetlbfs file",
            44: "pt_share_count", 45: "mm_cpumask", 46: "mm counters", 47: "deposited tables",
            48: "file contents", 49: "DAX file",
            50: "hugetlb fault mutex", 51: "invalidate_lock", 52: "file page contents",
            53: "device page contents", 54: "pgmap percpu_ref", 55: "huge zero page",
            56: "device memory extent", 57: "socket pages", 58: "pgmap percpu_ref mode",
            59: "pgmap done completion", 60: "tlb_flush_pending", 61: "block device filesystem",
            62: "mount table", 63: "block device list", 64: "array length",
            65: "DAX entry (index)", 66: "DAX entry (PMD)", 67: "pmem namespace geometry",
            68: "pmem namespace pgmap", 69: "pmem block allocator", 70: "pmem freed blocks",
            71: "process count", 72: "per-cpu free list", 73: "per-cpu list set",
            74: "struct page mapcounts", 75: "a CPU's per-cpu lists",
            76: "struct page state", 77: "anon_vma links",
        ]
        return names[kind(o)] ?? "kind \(kind(o))"
    }

    /// For the audit's representative keys: which written objects account for a change of
    /// `key` (a DAX file's digest changes when any of its entries is written; the hugetlb,
    /// TTM and P2PDMA states when any object of theirs is).
    static func acceptedWriters(of key: ObjectID) -> (ObjectID) -> Bool {
        switch kind(key) {
        case 49: return { _ in false }
        case 65, 66:
            // Resizing a file (truncate, extend) writes the file's object.
            let file = daxFile(Int((key.raw & 0x00ff_ffff_ffff_ffff) >> 32))
            return { $0 == file }
        case 2, 74, 76:
            // A struct page's identity or mapcounts: a section's write (online, removal,
            // a sweep over it) accounts for them too.
            let sec = section(Pfn(Int(key.raw & 0x00ff_ffff_ffff_ffff)))
            return { $0 == sec }
        case 15:
            // A struct page's counts: a sweep's write of its block of counts, or of its
            // section, accounts for them too.
            let pfn = Pfn(Int(key.raw & 0x00ff_ffff_ffff_ffff))
            let block = pageCountBlock(pfn), sec = section(pfn)
            return { $0 == block || $0 == sec }
        case 10:
            let i = PgmapID(Int(key.raw & 0x00ff_ffff_ffff_ffff))
            let ref = pgmapRef(i), live = pgmapLive(i), done = pgmapDone(i)
            return { $0 == ref || $0 == live || $0 == done }
        case 43: return { [42, 43, 44].contains(kind($0)) }
        case 20: return { kind($0) == 20 }
        case 21: return { [10, 21].contains(kind($0)) }
        case 48: return { [52, 53].contains(kind($0)) }
        // The allocator's digest holds every CPU's free lists.
        case 8: return { [72, 73, 75].contains(kind($0)) }
        case 7:
            let inode = InodeID(Int(key.raw & 0x00ff_ffff_ffff_ffff))
            return { $0 == iMmap(inode) }
        default: return { _ in false }
        }
    }
}

extension Obj {
    /// For the audit: which written objects account for `key` coming into being. A new
    /// process's fields (vma tree, counters, deposited tables, write_protect_seq,
    /// tlb_flush_pending, anon_vma links) start when the process table grows; a process
    /// that existed before the step has them already, so this covers creation only.
    static func creators(of key: ObjectID) -> (ObjectID) -> Bool {
        switch kind(key) {
        case 6, 12, 46, 47, 60, 77: return { $0 == processCount }
        default: return { _ in false }
        }
    }
}

extension Kernel {
    /// The kind of shared object `id` stands for ("page-table entry", "DAX entry (PMD)"),
    /// as the audit and `check --profile` name it.
    public static func objectKindName(_ id: ObjectID) -> String { Obj.kindName(id) }
}
