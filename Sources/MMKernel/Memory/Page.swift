/// Flags of a modelled `struct page` (a subset of include/linux/page-flags.h plus the
/// model's own bookkeeping: `free`, `table`).
public struct PageFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// PG_reserved: never handed out by the allocator (low memory, the zero page).
    public static let reserved = PageFlags(rawValue: 1 << 0)
    /// PG_head: first page of a compound page (THP, huge zero page).
    public static let head = PageFlags(rawValue: 1 << 1)
    /// A tail page of a compound page.
    public static let tail = PageFlags(rawValue: 1 << 2)
    /// PageTable: the frame holds a page table.
    public static let table = PageFlags(rawValue: 1 << 3)
    /// PageAnon: mapping points to an anon_vma.
    public static let anon = PageFlags(rawValue: 1 << 4)
    /// PageAnonExclusive (v5.19+): the page is exclusive to one process.
    public static let anonExclusive = PageFlags(rawValue: 1 << 5)
    /// The page is in a file's page cache.
    public static let pageCache = PageFlags(rawValue: 1 << 6)
    /// PG_dirty.
    public static let dirty = PageFlags(rawValue: 1 << 7)
    /// PG_uptodate.
    public static let uptodate = PageFlags(rawValue: 1 << 8)
    /// The frame is free in the allocator (PageBuddy).
    public static let free = PageFlags(rawValue: 1 << 9)
    /// The shared zero page or the huge zero page.
    public static let zero = PageFlags(rawValue: 1 << 10)
    /// ZONE_DEVICE page.
    public static let zoneDevice = PageFlags(rawValue: 1 << 11)
    /// PG_swapbacked (anon and shmem).
    public static let swapBacked = PageFlags(rawValue: 1 << 12)
    /// Held by the test harness (`alloc_pages`), not by the kernel.
    public static let harness = PageFlags(rawValue: 1 << 13)
    /// PG_readahead: the readahead marker; reaching it starts the next (async) window,
    /// and fault-around leaves the page alone.
    public static let readahead = PageFlags(rawValue: 1 << 14)
}

/// A modelled `struct page`: plain values, stored in arrays indexed by pfn (`MemMap`).
/// For compound pages the refcount, pincount and entire mapcount live on the head, as in
/// the kernel's folio; `mapcount` is per subpage.
public struct Page: Hashable, Sendable {
    /// `_refcount`.
    public var refcount: Int32 = 0
    /// Number of PTEs mapping this subpage (the kernel's `_mapcount + 1`).
    public var mapcount: Int32 = 0
    /// Number of PMD mappings of the whole compound page (`entire_mapcount`), head only.
    public var entireMapcount: Int32 = 0
    /// Large-folio pincount (`compound_pincount` / `_pincount`), head only.
    public var pincount: Int32 = 0
    /// Flags.
    public var flags: PageFlags = []
    /// Compound order, head only (0 for a small page).
    public var order: UInt8 = 0
    /// For a tail page: distance to its head.
    public var headOffset: UInt16 = 0
    /// The file (inode number) whose page cache holds the page; -1 for none.
    public var inode: Int32 = -1
    /// Page index in the file, or the slot of a page table.
    public var index: UInt32 = 0
    /// Index of the dev_pagemap of a ZONE_DEVICE page; -1 for none.
    public var pgmap: Int16 = -1
    /// Bumped every time the frame is (re)allocated: data written under an older epoch is
    /// gone (the page was zeroed or reused).
    public var epoch: UInt32 = 0
}

/// A view of some fields of a struct page that an accessor hands out and stores back
/// (`MemMap.withIdentity`, `withState`, `withMapcounts`): the fields outside the view
/// cannot change through it.
protocol PagePart {
    /// The view of `page`.
    init(_ page: Page)
    /// Writes the view's fields into `page`, leaving the others alone.
    func store(into page: inout Page)
}

/// The identity fields of a struct page, without its counts (`MemMap.identity`).
public struct PageIdentity: Hashable, Sendable, PagePart {
    /// Flags.
    public var flags: PageFlags
    /// Compound order, head only.
    public var order: UInt8
    /// For a tail page: distance to its head.
    public var headOffset: UInt16
    /// The file whose page cache holds the page; -1 for none.
    public var inode: Int32
    /// Page index in the file, or the slot of a page table.
    public var index: UInt32
    /// Index of the dev_pagemap of a ZONE_DEVICE page; -1 for none.
    public var pgmap: Int16
    /// Allocation epoch.
    public var epoch: UInt32

    /// The identity of `page`.
    @inline(__always) init(_ page: Page) {
        flags = page.flags
        order = page.order
        headOffset = page.headOffset
        inode = page.inode
        index = page.index
        pgmap = page.pgmap
        epoch = page.epoch
    }

    /// Writes these identity fields into `page`, leaving its counts alone.
    @inline(__always) func store(into page: inout Page) {
        page.flags = flags
        page.order = order
        page.headOffset = headOffset
        page.inode = inode
        page.index = index
        page.pgmap = pgmap
        page.epoch = epoch
    }
}

extension PageFlags {
    /// The flags an allocation or free sets and nothing else changes while the frame is
    /// allocated: what the frame is (compound shape, page table, zero page, device
    /// memory, reserved, free). The others are the page's state (`PageState`).
    public static let shapeFlags: PageFlags = [.reserved, .head, .tail, .table, .free, .zero,
                                              .zoneDevice]
}

/// What a struct page is, as allocation left it (`MemMap.shape`): the shape flags,
/// compound order and head, pgmap and epoch; object `Obj.page`. A put, a DMA's
/// is-it-freed check and compound_head() read only this.
public struct PageShape: Hashable, Sendable {
    /// The shape flags (`PageFlags.shapeFlags`) only.
    public var flags: PageFlags
    /// Compound order, head only.
    public var order: UInt8
    /// For a tail page: distance to its head.
    public var headOffset: UInt16
    /// Index of the dev_pagemap of a ZONE_DEVICE page; -1 for none.
    public var pgmap: Int16
    /// Allocation epoch.
    public var epoch: UInt32

    /// The shape of `page`.
    @inline(__always) init(_ page: Page) {
        flags = page.flags.intersection(.shapeFlags)
        order = page.order
        headOffset = page.headOffset
        pgmap = page.pgmap
        epoch = page.epoch
    }
}

/// A struct page's state while allocated (`MemMap.withState`): the other flags (anon,
/// page cache, dirty, uptodate...), its mapping and index; object `Obj.pageState`.
public struct PageState: Hashable, Sendable, PagePart {
    /// The flags that are not shape flags.
    public var flags: PageFlags
    /// The file whose page cache holds the page; -1 for none.
    public var inode: Int32
    /// Page index in the file, or the slot of a page table.
    public var index: UInt32

    /// The state of `page`.
    @inline(__always) init(_ page: Page) {
        flags = page.flags.subtracting(.shapeFlags)
        inode = page.inode
        index = page.index
    }

    /// Writes this state into `page`; shape flags set here are ignored (they are not
    /// state), so a state change cannot reach the shape.
    @inline(__always) func store(into page: inout Page) {
        page.flags = page.flags.intersection(.shapeFlags)
            .union(flags.subtracting(.shapeFlags))
        page.inode = inode
        page.index = index
    }
}

/// The rmap's counts of a struct page (`MemMap.mapcounts`): a field of their own.
public struct PageMapcounts: Hashable, Sendable, PagePart {
    /// Number of PTEs mapping this subpage (the kernel's `_mapcount + 1`).
    public var mapcount: Int32
    /// Number of PMD mappings of the whole compound page (`entire_mapcount`), head only.
    public var entire: Int32

    /// The mapcounts of `page`.
    @inline(__always) init(_ page: Page) {
        mapcount = page.mapcount
        entire = page.entireMapcount
    }

    /// Writes these mapcounts into `page`.
    @inline(__always) func store(into page: inout Page) {
        page.mapcount = mapcount
        page.entireMapcount = entire
    }
}
