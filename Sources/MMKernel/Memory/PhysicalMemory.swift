import MMExplore

/// Physical memory of one execution: struct pages, the page allocator, the zero pages,
/// the extent of hot-added device memory and what user stores put in frames. The kernel's
/// mm/memory_hotplug.c, mm/page_alloc.c and mm/huge_memory.c state, owned here and reached
/// through `Kernel.memory`.
public struct PhysicalMemory {
    /// Struct pages by pfn.
    public internal(set) var memmap: MemMap
    /// The page allocator's free lists.
    var allocator: PageAllocator
    /// What user stores put in frames (Memory/FrameData.swift).
    var frames = FrameContents()
    /// The shared zero page (empty_zero_page, in the kernel image: reserved, never freed).
    public let zeroPfn: Pfn
    /// Where the recorded fields below record their accesses.
    private let log: AccessLog
    private var hugeZeroStore: Pfn?
    private var deviceHighestStore = Pfn(0)

    /// RAM online from pfn 0, the low frames reserved, the zero page among them.
    init(config: KernelConfig, log: AccessLog) {
        self.log = log
        var memmap = MemMap(maxPfn: Kernel.maxPfn, log: log)
        memmap.online(startPfn: Pfn(0), count: Kernel.ramPfns)
        allocator = PageAllocator(
            firstPfn: Kernel.firstAllocatablePfn, endPfn: Kernel.ramEnd,
            movableStart: config.has(.movableZone) ? Pfn(Kernel.ramPfns / 2) : nil,
            lifo: config.has(.allocLifo),
            pcpOrders: PageAllocator.pcpOrders(config), log: log)
        zeroPfn = Kernel.firstAllocatablePfn - 1
        memmap.fillInSweep(Pfn(0)..<Kernel.firstAllocatablePfn) {
            $0.flags = [.reserved]
            $0.refcount = 1
        }
        memmap.withIdentity(zeroPfn) { $0.flags = [.reserved, .zero] }
        self.memmap = memmap
    }

    /// The huge zero page's head pfn, once allocated (nil before; mm/huge_memory.c keeps
    /// one, huge_zero_folio). Recorded as `Obj.hugeZero`.
    public var hugeZeroPfn: Pfn? {
        get { log.read(Obj.hugeZero); return hugeZeroStore }
        set { log.write(Obj.hugeZero); hugeZeroStore = newValue }
    }

    /// Highest pfn of hot-added device memory with a memmap (pfn 0 when none). Recorded as
    /// `Obj.deviceExtent`.
    public var deviceHighestPfn: Pfn {
        get { log.read(Obj.deviceExtent); return deviceHighestStore }
        set { log.write(Obj.deviceExtent); deviceHighestStore = newValue }
    }
}

extension Kernel {
    /// The struct page of `pfn` (the pfn must have a memmap, online or removed).
    @inline(__always) func page(_ pfn: Pfn) -> Page { memory.memmap.page(pfn) }

    /// Mutates the struct page of `pfn` in place.
    @discardableResult @inline(__always) func withPage<R>(_ pfn: Pfn,
                                                          _ body: (inout Page) -> R) -> R {
        memory.memmap.withPage(pfn, body)
    }

    /// The identity of `pfn`'s struct page (flags, head, mapping), without its counts.
    @inline(__always) func identity(_ pfn: Pfn) -> PageIdentity { memory.memmap.identity(pfn) }

    /// What `pfn`'s struct page is (shape flags, compound head, pgmap, epoch), without
    /// its state or counts.
    @inline(__always) func shape(_ pfn: Pfn) -> PageShape { memory.memmap.shape(pfn) }

    /// Mutates only the state of `pfn`'s struct page (page cache, dirty, anon..., mapping).
    @discardableResult @inline(__always)
    func withState<R>(_ pfn: Pfn, _ body: (inout PageState) -> R) -> R {
        memory.memmap.withState(pfn, body)
    }

    /// Mutates only the identity of `pfn`'s struct page (flags, mapping, index).
    @discardableResult @inline(__always)
    func withIdentity<R>(_ pfn: Pfn, _ body: (inout PageIdentity) -> R) -> R {
        memory.memmap.withIdentity(pfn, body)
    }

    /// The mapcounts of `pfn`'s struct page, without its identity or refcount.
    @inline(__always) func mapcounts(_ pfn: Pfn) -> PageMapcounts {
        memory.memmap.mapcounts(pfn)
    }

    /// Mutates only the mapcounts of `pfn`'s struct page (the rmap's counts).
    @discardableResult @inline(__always)
    func withMapcounts<R>(_ pfn: Pfn, _ body: (inout PageMapcounts) -> R) -> R {
        memory.memmap.withMapcounts(pfn, body)
    }

    /// Models folio_zonenum(folio) == ZONE_MOVABLE (is_zone_movable_page()): RAM above
    /// the boot-time boundary of movablecore= (knob `movable_zone`). A constant of the
    /// machine, like the zone bits of page->flags, so reading it touches no shared state.
    @inline(__always) func isZoneMovable(_ pfn: Pfn) -> Bool {
        pfn >= memory.allocator.movableStart && pfn < Kernel.ramEnd
    }

    /// The head pfn of the compound page `pfn` belongs to (compound_head()).
    @inline(__always) func compoundHead(_ pfn: Pfn) -> Pfn {
        let p = shape(pfn)
        return p.flags.contains(.tail) ? pfn - Int(p.headOffset) : pfn
    }
}
