import MMExplore

/// Page tables live in frames from the page allocator; their 512 entries live here, in
/// one flat array, at the slot recorded in the table page's struct page (`Page.index`,
/// like the kernel's ptdesc). A freed table page is a freed frame: a walker that still
/// follows it reads a frame the allocator may have handed to someone else.
///
/// Instrumented: entry `index` of table `slot` is object `Obj.entry(slot, index)`, and
/// `read`/`write` record their access. `pfnOfSlot` is not recorded: it changes only when
/// the table page's struct page does (allocTable/freeTable write it), and a walker reaches
/// a slot only through that struct page (`slotOf` reads it).
public struct TableStore {
    /// Entries of every table, slot * 512 + index.
    private var entries: [UInt64] = []
    /// The frame each slot lives in.
    public private(set) var pfnOfSlot: [Int32] = []
    /// Where accesses are recorded.
    let log: AccessLog

    /// An empty store recording into `log`.
    init(log: AccessLog) { self.log = log }
    /// The split PTL of each table page.
    public var locks: [LockState] = []
    /// The split PTL word of table `slot`, unrecorded (Sync/Locks.swift records the lock).
    @inline(__always) func ptl(_ slot: TableSlot) -> LockState { locks[slot.raw] }
    /// Sets the split PTL word of table `slot` (recorded by Sync/Locks.swift).
    @inline(__always) mutating func setPtl(_ slot: TableSlot, _ state: LockState) {
        locks[slot.raw] = state
    }
    /// Slots free for reuse.
    var freeSlots: [Int32] = []

    /// The frame table `slot` lives in (not recorded: see the type's comment).
    @inline(__always) public func pfn(ofSlot slot: TableSlot) -> Pfn {
        Pfn(Int(pfnOfSlot[slot.raw]))
    }

    /// Number of slots ever created.
    public var slotCount: Int { pfnOfSlot.count }

    /// Reads entry `index` of table `slot`.
    /// (`mutating` only so that a call through `Kernel.tables` reads in place instead of
    /// copying the store, with a retain and release of each of its arrays, per entry.)
    @inline(__always) public mutating func read(_ slot: TableSlot, _ index: Int) -> UInt64 {
        log.read(Obj.entry(slot, index))
        return entries[slot.raw << 9 | index]
    }

    /// Reads entry `index` of table `slot` without recording: only for the condition of
    /// a `block(until:)`, which the explorer evaluates between steps (the woken step reads
    /// the entry again through `read`).
    @inline(__always) func unrecorded(_ slot: TableSlot, _ index: Int) -> UInt64 {
        entries[slot.raw << 9 | index]
    }

    /// Writes entry `index` of table `slot`.
    @inline(__always) public mutating func write(_ slot: TableSlot, _ index: Int,
                                                 _ value: UInt64) {
        log.write(Obj.entry(slot, index))
        entries[slot.raw << 9 | index] = value
    }

    /// A zeroed slot for a table in frame `pfn`.
    mutating func newSlot(pfn: Pfn) -> TableSlot {
        if let s = freeSlots.popLast() {
            let slot = TableSlot(Int(s))
            // A walker that followed the old table may still read these entries.
            for i in 0..<512 { write(slot, i, 0) }
            pfnOfSlot[slot.raw] = Int32(pfn.raw)
            locks[slot.raw] = LockState()
            return slot
        }
        entries.append(contentsOf: repeatElement(0, count: 512))
        pfnOfSlot.append(Int32(pfn.raw))
        locks.append(LockState())
        return TableSlot(pfnOfSlot.count - 1)
    }

    /// Gives a slot back when its table page is freed. Its entries are kept until reuse,
    /// as the frame's contents are until it is reallocated.
    /// Every entry's value by object, for the audit (entries of live slots that are set).
    func auditDigest(into out: inout [ObjectID: Int]) {
        for slot in 0..<pfnOfSlot.count where pfnOfSlot[slot] >= 0 {
            for i in 0..<512 where entries[slot << 9 | i] != 0 {
                let value = Int(truncatingIfNeeded: entries[slot << 9 | i])
                out[Obj.entry(TableSlot(slot), i)] = value
            }
        }
    }

    fileprivate mutating func releaseSlot(_ slot: TableSlot) {
        pfnOfSlot[slot.raw] = -1
        freeSlots.append(Int32(slot.raw))
    }
}

extension Kernel {
    /// Models pte_alloc_one()/pmd_alloc_one() (mm/pgtable-generic.c, arch/x86/mm/pgtable.c):
    /// a zeroed table page from the page allocator. nil when memory is exhausted.
    func allocTable(_ t: KTask) async -> TableSlot? {
        guard let pfn = await allocPages(t) else { return nil }
        let slot = tables.newSlot(pfn: pfn)
        withPage(pfn) {
            $0.flags.insert(.table)
            $0.index = UInt32(slot.raw)
        }
        return slot
    }

    /// Models pte_free()/pmd_free(): the table page goes back to the allocator.
    func freeTable(_ t: KTask, slot: TableSlot) async {
        let pfn = tables.pfn(ofSlot: slot)
        if page(pfn).refcount > 1 {
            // A PMD table shared by page refcount (hugetlb ≤v6.12, the fs-dax RFC) that
            // another PUD still points to: pmd_free's put_page leaves it alive and in use.
            await putPage(t, pfn)
            return
        }
        withIdentity(pfn) { $0.flags.remove(.table) }
        tables.releaseSlot(slot)
        await putPage(t, pfn)
    }

    /// The table slot a non-leaf entry points to, or nil when the frame no longer holds a
    /// table (it was freed: following it is a use-after-free of the table page).
    @inline(__always) func slotOf(entry e: UInt64) -> TableSlot? {
        let pfn = layout.pfn(e)
        let p = identity(pfn)
        guard p.flags.contains(.table) else { return nil }
        return TableSlot(Int(p.index))
    }
}
