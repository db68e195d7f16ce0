import MMExplore

/// The page allocator: per-zone buddy free lists and per-cpu lists (mm/page_alloc.c).
///
/// A free goes to the freeing CPU's list (free_unref_page → free_unref_page_commit) when
/// its order is one the per-cpu lists hold, else to its zone's list. An allocation takes
/// from its own CPU's list first (rmqueue_pcplist); when that is empty, from another
/// CPU's list — the lowest-numbered CPU that has a block of the order — standing for
/// the drain (at pcp->high, by drain_all_pages() or the vmstat worker) that moves such a
/// block to the buddy lists, where the refill (rmqueue_bulk) finds it; then from the
/// zone's list; then from frames never used yet (a bump pointer, so booting costs
/// nothing). Lists hand out the most recently freed block first (LIFO, knob
/// `alloc_lifo`), so a use-after-free changes what the next owner sees, on the freeing
/// CPU or, through the drain, on another.
///
/// Why per-cpu lists matter to the explorer: frees on two CPUs touch different lists, so
/// they commute, as in the kernel; with one shared list (knob `pcp_lists` off) freeing a
/// 512-page buffer on one CPU while another frees a page table gives hundreds of orders
/// that differ only in the order of the list. An allocation that finds its own list
/// empty reads the others, so it still orders against every free it could reuse.
///
/// Not modelled: the drain taking the frame is immediate, so an allocation never gets a
/// never-used frame while another CPU holds a freed one of its order (the kernel may,
/// when no drain ran), and which of several CPUs' frames it gets is fixed (lowest CPU
/// first; the kernel's depends on the drains' order). Buddies are not merged: an order-0
/// request may split a free order-9 block of its zone's list, an order-9 request never
/// gathers order-0 frames.
///
/// Instrumented: a zone's lists and bump pointer are one object, `Obj.allocator`; each
/// list of a CPU (one per zone and order) is `Obj.pcp(cpu, list:)`. Whether a CPU has
/// lists yet is `Obj.pcpLists(cpu)`; creating them (its first free) writes that and
/// adds to `Obj.pcpSet`, which an allocation that looks at other CPUs' lists reads, so
/// the set of lists it walks is ordered too. Two CPUs creating their lists commute
/// (an update: the set is kept in CPU order, and neither looks at the other's).
public struct PageAllocator {
    /// One zone's free lists and never-used frames.
    struct Zone: Hashable {
        /// Free blocks by order (0...10), as head pfns.
        var free: [FreeList] = Array(repeating: FreeList(), count: 11)
        /// First frame of the zone.
        let start: Pfn
        /// Next never-used frame.
        var fresh: Pfn
        /// End of the zone.
        let end: Pfn
    }
    /// Free blocks of one order, in the order freed; `head` is where FIFO reads.
    struct FreeList: Hashable {
        var pfns: [Int32] = []
        var head = 0
        var isEmpty: Bool { head == pfns.count }

        mutating func push(_ pfn: Pfn) { pfns.append(Int32(pfn.raw)) }

        mutating func pop(lifo: Bool) -> Pfn? {
            guard !isEmpty else { return nil }
            if lifo { return Pfn(Int(pfns.removeLast())) }
            let pfn = pfns[head]
            head += 1
            if head == pfns.count { pfns.removeAll(keepingCapacity: true); head = 0 }
            return Pfn(Int(pfn))
        }
    }
    /// One CPU's lists (struct per_cpu_pages): per zone, per order.
    struct PerCPU: Hashable {
        let cpu: Int
        var lists: [FreeList] = Array(repeating: FreeList(), count: 2 * 11)
    }
    /// ZONE_NORMAL, then ZONE_MOVABLE (empty unless booted with one: knob `movable_zone`).
    private var zones: [Zone]
    /// The per-cpu lists of every CPU that has freed a block, by CPU number.
    private var pcp: [PerCPU] = []
    /// Where accesses are recorded.
    let log: AccessLog
    /// Hand out the most recently freed block first.
    let lifo: Bool
    /// Frees and allocations of these orders go through per-cpu lists (nil: none).
    let pcpOrders: Set<Int>?
    /// The first pfn of ZONE_MOVABLE (the end of RAM when there is none). Fixed at boot,
    /// as a page's zone is (page_zonenum() reads bits set when the memmap is initialised).
    public let movableStart: Pfn

    /// An allocator over `[firstPfn, endPfn)`; `[movableStart, endPfn)` is ZONE_MOVABLE.
    /// `pcpOrders`: the orders the per-cpu lists hold (nil: none, every block goes through
    /// the zone's lists).
    public init(firstPfn: Pfn, endPfn: Pfn, movableStart: Pfn? = nil, lifo: Bool,
                pcpOrders: Set<Int>? = [0], log: AccessLog) {
        self.log = log
        self.lifo = lifo
        self.pcpOrders = pcpOrders
        let mid = movableStart ?? endPfn
        self.movableStart = mid
        zones = [Zone(start: firstPfn, fresh: firstPfn, end: mid),
                 Zone(start: mid, fresh: mid, end: endPfn)]
    }

    /// The per-cpu lists' orders in `config`: order 0 always; from v5.13 ("mm/page_alloc:
    /// allow high-order pages to be stored on the per-cpu lists") also orders 1...3
    /// (PAGE_ALLOC_COSTLY_ORDER) and the THP order (knob `pcp_high_order`).
    static func pcpOrders(_ config: KernelConfig) -> Set<Int>? {
        guard config.has(.pcpLists) else { return nil }
        return config.has(.pcpHighOrder) ? [0, 1, 2, 3, 9] : [0]
    }

    /// The frames ever handed out, zone by zone (for the end-of-run audit).
    var usedRanges: [Range<Pfn>] {
        zones.map { $0.start..<$0.fresh }
    }

    /// A digest of the free lists, for the audit.
    var digest: Int {
        var h = Hasher()
        h.combine(zones)
        h.combine(pcp)
        return h.finalize()
    }

    /// Takes a block of 2^order frames for CPU `cpu`; nil when memory is exhausted. A
    /// `movable` request (__GFP_MOVABLE) is served from ZONE_MOVABLE first, then
    /// ZONE_NORMAL; any other from ZONE_NORMAL only. In each zone: the CPU's own list,
    /// another CPU's (as drained), the zone's list, never-used frames.
    mutating func take(order: Int, movable: Bool = false, cpu: Int) -> Pfn? {
        let viaPcp = pcpOrders?.contains(order) ?? false
        for z in movable ? [1, 0] : [0] {
            if viaPcp, let pfn = takeFromPcp(order: order, zone: z, cpu: cpu) { return pfn }
            log.write(Obj.allocator)
            if let pfn = take(order: order, zone: z) { return pfn }
        }
        return nil
    }

    /// The CPU's own most recent block of `order` in zone `z`, else the one of the
    /// lowest-numbered other CPU that has one.
    private mutating func takeFromPcp(order: Int, zone z: Int, cpu: Int) -> Pfn? {
        let list = z * 11 + order
        log.read(Obj.pcpLists(cpu))
        if let mine = pcp.firstIndex(where: { $0.cpu == cpu }) {
            log.write(Obj.pcp(cpu, list: list))
            if let pfn = pcp[mine].lists[list].pop(lifo: lifo) { return pfn }
        }
        log.read(Obj.pcpSet)
        for i in pcp.indices where pcp[i].cpu != cpu {
            log.read(Obj.pcp(pcp[i].cpu, list: list))
            if !pcp[i].lists[list].isEmpty {
                log.write(Obj.pcp(pcp[i].cpu, list: list))
                return pcp[i].lists[list].pop(lifo: lifo)
            }
        }
        return nil
    }

    /// Returns a block to the freeing CPU's list, or its zone's when the per-cpu lists do
    /// not hold its order (free_unref_page, __free_pages_ok).
    mutating func give(_ pfn: Pfn, order: Int, cpu: Int) {
        let z = pfn >= movableStart ? 1 : 0
        if pcpOrders?.contains(order) ?? false {
            log.read(Obj.pcpLists(cpu))
            let i = pcp.firstIndex { $0.cpu == cpu } ?? createPcp(cpu)
            log.write(Obj.pcp(cpu, list: z * 11 + order))
            pcp[i].lists[z * 11 + order].push(pfn)
            return
        }
        log.write(Obj.allocator)
        zones[z].free[order].push(pfn)
    }

    /// Creates `cpu`'s lists, kept in CPU order: the set of lists an allocation walks
    /// changes.
    private mutating func createPcp(_ cpu: Int) -> Int {
        log.write(Obj.pcpLists(cpu))
        log.update(Obj.pcpSet)
        let i = pcp.firstIndex { $0.cpu > cpu } ?? pcp.count
        pcp.insert(PerCPU(cpu: cpu), at: i)
        return i
    }

    private mutating func take(order: Int, zone z: Int) -> Pfn? {
        if let pfn = zones[z].free[order].pop(lifo: lifo) { return pfn }
        if order == 0, let big = zones[z].free[9].pop(lifo: lifo) {
            // Split a free 2M block: hand out its first frame, keep the rest free.
            for pfn in stride(from: big + 511, to: big, by: -1) {
                zones[z].free[0].push(pfn)
            }
            return big
        }
        let size = 1 << order
        let start = (zones[z].fresh + size - 1).aligned(order: order)
        guard start + size <= zones[z].end else { return nil }
        // Frames skipped to align the block stay usable as order-0 frames.
        for pfn in zones[z].fresh..<start { zones[z].free[0].push(pfn) }
        zones[z].fresh = start + size
        return start
    }
}

extension Kernel {
    /// Models alloc_pages() (mm/page_alloc.c): a block of 2^order frames with refcount 1,
    /// zeroed (a fresh epoch: earlier data is gone); compound when order > 0.
    /// `movable` is __GFP_MOVABLE (GFP_HIGHUSER_MOVABLE user pages): it may come from
    /// ZONE_MOVABLE, unless the task runs under memalloc_pin_save() (PF_MEMALLOC_PIN,
    /// current_gfp_context() clears __GFP_MOVABLE). nil when memory is exhausted.
    func allocPages(_ t: KTask, order: Int = 0, movable: Bool = false) async -> Pfn? {
        await t.step()
        guard let pfn = memory.allocator.take(order: order,
                                              movable: movable && !t.memallocPin,
                                              cpu: t.cpu) else {
            return nil
        }
        // The new owner's clear_page() writes the frame (its epoch changes, so what was
        // stored in it reads as zero): a stale TLB entry or DMA that still reaches it
        // conflicts with this step, so DPOR orders them both ways.
        await t.step()
        checks.stats.pagesAllocated += 1 << order
        let n = 1 << order
        for i in 0..<n {
            clearFrameData(pfn + i)
            withPage(pfn + i) { p in
                let epoch = p.epoch &+ 1
                p = Page()
                p.epoch = epoch
                if order > 0 {
                    if i == 0 {
                        p.flags = [.head]
                        p.order = UInt8(order)
                    } else {
                        p.flags = [.tail]
                        p.headOffset = UInt16(i)
                    }
                }
            }
        }
        withPage(pfn) { $0.refcount = 1 }
        return pfn
    }

    /// Models __free_pages() → free_pages_prepare() (mm/page_alloc.c): the block goes back
    /// to the allocator. A page still mapped is `freed-while-mapped` (the kernel's
    /// bad_page() "nonzero mapcount").
    func freePages(_ t: KTask, _ pfn: Pfn) async {
        let head = page(pfn)
        let order = Int(head.order)
        for i in 0..<(1 << order) {
            let p = page(pfn + i)
            if p.mapcount > 0 || (i == 0 && p.entireMapcount > 0) {
                report(.freedWhileMapped,
                       "free_pages: pfn \(hex(pfn + i)) still mapped (mapcount \(p.mapcount), "
                       + "entire \(p.entireMapcount))", t)
            }
            withIdentity(pfn + i) { $0.flags = [.free]; $0.inode = -1 }
        }
        await t.step()
        memory.allocator.give(pfn, order: order, cpu: t.cpu)
        checks.stats.pagesFreed += 1 << order
    }
}

/// `0x1a2b` formatting for trace lines and messages.
@inline(__always) func hex<T: BinaryInteger>(_ v: T) -> String { "0x" + String(v, radix: 16) }
