import MMExplore

/// The page allocator's free lists. Freed blocks go on a per-order list; allocation takes
/// the most recently freed block first (LIFO, like the per-cpu lists of
/// mm/page_alloc.c), so a use-after-free changes what the next owner sees. Frames never
/// used yet come from a bump pointer, so booting costs nothing. Buddies are not merged:
/// an order-0 request may split a free order-9 block, an order-9 request never gathers
/// order-0 frames (documented limitation: fragmentation is not modelled).
///
/// Instrumented: the free lists are one object, `Obj.allocator`; `take` and `give` record
/// a write of it.
public struct PageAllocator {
    /// One zone's free lists and never-used frames.
    struct Zone: Hashable {
        /// Free blocks by order (0...10), as head pfns.
        var free: [[Int32]] = Array(repeating: [], count: 11)
        /// FIFO read positions (only used when not LIFO).
        var fifoHead: [Int] = Array(repeating: 0, count: 11)
        /// First frame of the zone.
        let start: Pfn
        /// Next never-used frame.
        var fresh: Pfn
        /// End of the zone.
        let end: Pfn
    }
    /// ZONE_NORMAL, then ZONE_MOVABLE (empty unless booted with one: knob `movable_zone`).
    private var zones: [Zone]
    /// Where accesses are recorded.
    let log: AccessLog
    /// Hand out the most recently freed block first.
    let lifo: Bool
    /// The first pfn of ZONE_MOVABLE (the end of RAM when there is none). Fixed at boot,
    /// as a page's zone is (page_zonenum() reads bits set when the memmap is initialised).
    public let movableStart: Pfn

    /// An allocator over `[firstPfn, endPfn)`; `[movableStart, endPfn)` is ZONE_MOVABLE.
    public init(firstPfn: Pfn, endPfn: Pfn, movableStart: Pfn? = nil, lifo: Bool,
                log: AccessLog) {
        self.log = log
        self.lifo = lifo
        let mid = movableStart ?? endPfn
        self.movableStart = mid
        zones = [Zone(start: firstPfn, fresh: firstPfn, end: mid),
                 Zone(start: mid, fresh: mid, end: endPfn)]
    }

    /// The frames ever handed out, zone by zone (for the end-of-run audit).
    var usedRanges: [Range<Pfn>] {
        zones.map { $0.start..<$0.fresh }
    }

    /// A digest of the free lists, for the audit.
    var digest: Int {
        var h = Hasher()
        h.combine(zones)
        return h.finalize()
    }

    /// Takes a block of 2^order frames; nil when memory is exhausted. A `movable`
    /// request (__GFP_MOVABLE) is served from ZONE_MOVABLE first, then ZONE_NORMAL; any
    /// other from ZONE_NORMAL only.
    mutating func take(order: Int, movable: Bool = false) -> Pfn? {
        log.write(Obj.allocator)
        if movable, let pfn = take(order: order, zone: 1) { return pfn }
        return take(order: order, zone: 0)
    }

    private mutating func take(order: Int, zone z: Int) -> Pfn? {
        if let pfn = pop(order, z) { return pfn }
        if order == 0, let big = pop(9, z) {
            // Split a free 2M block: hand out its first frame, keep the rest free.
            for pfn in stride(from: big + 511, to: big, by: -1) {
                zones[z].free[0].append(Int32(pfn.raw))
            }
            return big
        }
        let size = 1 << order
        let start = (zones[z].fresh + size - 1).aligned(order: order)
        guard start + size <= zones[z].end else { return nil }
        // Frames skipped to align the block stay usable as order-0 frames.
        for pfn in zones[z].fresh..<start { zones[z].free[0].append(Int32(pfn.raw)) }
        zones[z].fresh = start + size
        return start
    }

    private mutating func pop(_ order: Int, _ z: Int) -> Pfn? {
        if lifo {
            guard let pfn = zones[z].free[order].popLast() else { return nil }
            return Pfn(Int(pfn))
        }
        guard zones[z].fifoHead[order] < zones[z].free[order].count else { return nil }
        let pfn = zones[z].free[order][zones[z].fifoHead[order]]
        zones[z].fifoHead[order] += 1
        if zones[z].fifoHead[order] == zones[z].free[order].count {
            zones[z].free[order].removeAll(keepingCapacity: true)
            zones[z].fifoHead[order] = 0
        }
        return Pfn(Int(pfn))
    }

    /// Returns a block to its zone's free list.
    mutating func give(_ pfn: Pfn, order: Int) {
        log.write(Obj.allocator)
        zones[pfn >= movableStart ? 1 : 0].free[order].append(Int32(pfn.raw))
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
                                              movable: movable && !t.memallocPin) else {
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
            withPage(pfn + i) { $0.flags = [.free]; $0.inode = -1 }
        }
        await t.step()
        memory.allocator.give(pfn, order: order)
        checks.stats.pagesFreed += 1 << order
    }
}

/// `0x1a2b` formatting for trace lines and messages.
@inline(__always) func hex<T: BinaryInteger>(_ v: T) -> String { "0x" + String(v, radix: 16) }
