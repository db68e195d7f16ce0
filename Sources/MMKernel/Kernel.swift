#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import MMExplore

/// The whole modelled kernel of one execution: physical memory, page tables, processes,
/// files, devices and what the checkers saw. Each execution owns one; nothing is global,
/// so executions can run side by side on several workers.
public final class Kernel {
    /// The era and knobs.
    public let config: KernelConfig
    /// The era's page-table entry layout.
    public let layout: EntryLayout
    /// Where every access to shared state below is recorded (the instrumented stores
    /// hold it; the explorer attaches it to the execution).
    public let log: AccessLog
    /// Struct pages by pfn.
    @exclusivity(unchecked) public var memmap: MemMap
    /// The page allocator's state.
    @exclusivity(unchecked) public var allocator: PageAllocator
    /// Page-table storage.
    @exclusivity(unchecked) public var tables: TableStore
    /// Processes' address spaces, by `MM.id`.
    @exclusivity(unchecked) public var mms: [MM] = []
    /// Files, by inode number.
    @exclusivity(unchecked) public var inodes: TrackedArray<Inode>
    /// Block devices and the filesystems on them.
    @exclusivity(unchecked) public var blockDevices: [BlockDevice] = []
    /// Mounted filesystems.
    @exclusivity(unchecked) public var mounts: [Mount] = []
    /// Violations seen so far, in order.
    @exclusivity(unchecked) public private(set) var violations: [Violation] = []
    /// The shared zero page.
    public let zeroPfn: Pfn
    /// The huge zero page's head pfn, once allocated (mm/huge_memory.c keeps one).
    public var hugeZeroPfn: Pfn? {
        get { log.read(Obj.hugeZero); return hugeZeroStore }
        set { log.write(Obj.hugeZero); hugeZeroStore = newValue }
    }
    @exclusivity(unchecked) private var hugeZeroStore: Pfn?
    /// File contents by inode, then byte offset (see FS/FileData.swift).
    /// Reached only through FS/FileData.swift's accessors, which record one object per
    /// page of the file (`Obj.storedPage`).
    @exclusivity(unchecked) var fileData: [Int: [UInt64: UInt64]] = [:]
    /// Block-device contents by device, then byte offset.
    /// Reached only through FS/FileData.swift's accessors (`Obj.storedPage`).
    @exclusivity(unchecked) var deviceData: [Int: [UInt64: UInt64]] = [:]
    /// Direct I/O requests submitted so far (names DMA agents and completions).
    /// Names DMA agents and their completions (`dma<N>`): harness bookkeeping, not kernel
    /// state (no kernel path reads it), so it records nothing.
    @exclusivity(unchecked) var dioCount = 0
    /// Data written by user stores, by physical address, tagged with the frame's epoch.
    @exclusivity(unchecked) var data: [UInt64: (epoch: UInt32, value: UInt64)] = [:]
    /// Pages AF_PACKET rings hold until their sockets close (Drivers/PacketRing.swift).
    var socketPages: [Pfn] {
        get { log.read(Obj.socketPages); return socketPagesStore }
        _modify { log.write(Obj.socketPages); yield &socketPagesStore }
    }
    @exclusivity(unchecked) private var socketPagesStore: [Pfn] = []
    /// ZONE_DEVICE pagemaps, by index (struct page's `pgmap`).
    @exclusivity(unchecked) public var pgmaps: TrackedArray<DevPagemap>
    /// pmem namespaces, by region number (Drivers/Pmem.swift).
    @exclusivity(unchecked) public var pmems: TrackedArray<PmemNamespace>
    /// Block maps and DAX entries of files on DAX mounts (FS/DaxFile.swift).
    @exclusivity(unchecked) public var daxFiles: TrackedArray<DaxFile>
    /// Highest pfn of hot-added device memory with a memmap (pfn 0 when none).
    public var deviceHighestPfn: Pfn {
        get { log.read(Obj.deviceExtent); return deviceHighestStore }
        set { log.write(Obj.deviceExtent); deviceHighestStore = newValue }
    }
    @exclusivity(unchecked) private var deviceHighestStore = Pfn(0)
    /// Counters a reviewer may ask for (`--stats`).
    @exclusivity(unchecked) public var stats = KernelStats()
    /// TTM buffer objects exported as dma-bufs (Drivers/TTMBufferObject.swift).
    public var ttm: TTMState {
        get { log.read(Obj.bo(-1)); return ttmStore }
        _modify { log.write(Obj.bo(-1)); yield &ttmStore }
    }
    @exclusivity(unchecked) private var ttmStore = TTMState()
    /// PCI P2PDMA providers and their genpools (Drivers/P2PDMA.swift).
    public var p2pdma: P2PDMAState {
        get { log.read(Obj.genpool(-1)); return p2pdmaStore }
        _modify { log.write(Obj.genpool(-1)); yield &p2pdmaStore }
    }
    @exclusivity(unchecked) private var p2pdmaStore = P2PDMAState()
    /// hugetlbfs mounts and files, the huge page pool, vma locks, PMD share counts (Hugetlb/).
    public var hugetlb: HugetlbState {
        get { log.read(Obj.hugetlbFile(-1)); return hugetlbStore }
        _modify { log.write(Obj.hugetlbFile(-1)); yield &hugetlbStore }
    }
    @exclusivity(unchecked) private var hugetlbStore = HugetlbState()
    /// The audit's unrecorded views of the coarse stores.
    var hugetlbUnrecorded: HugetlbState { hugetlbStore }
    var ttmUnrecorded: TTMState { ttmStore }
    var p2pdmaUnrecorded: P2PDMAState { p2pdmaStore }
    var contentsDigestUnrecorded: Int { fileData.hashValue &* 31 &+ deviceData.hashValue }
    /// A hugetlb vma lock's word, unrecorded here: Sync/Locks.swift records the lock.
    func hugetlbLockWord(_ lock: Int) -> LockState { hugetlbStore.vmaLocks[lock] }
    /// Sets a hugetlb vma lock's word (recorded by Sync/Locks.swift as the lock).
    func setHugetlbLockWord(_ lock: Int, _ state: LockState) { hugetlbStore.vmaLocks[lock] = state }
    /// Per-CPU TLBs, IRQ state and mm_cpumask (TLB/TLB.swift).
    @exclusivity(unchecked) public var tlb: TLBState
    /// Failures of the model's own invariants, reported apart from violations.
    public internal(set) var internalErrors: [String] = []
    /// Lock-class order seen in this execution (Sync/LockOrder.swift).
    @exclusivity(unchecked) var lockdep = LockDep()
    /// The audit's view of the state after the previous step (Check/StateAudit.swift).
    @exclusivity(unchecked) var auditBaseline: [ObjectID: Int] = [:]
    /// Also compare the instrumented stores (memmap, tables, mms, TLBs) after every step:
    /// `MMSIM_AUDIT=full`. Slow; the instrumented stores record by construction.
    let fullAudit = getenv("MMSIM_AUDIT").map { String(cString: $0) == "full" } ?? false

    /// Physical address space modelled: 64 GiB (RAM low, device memory above 4 GiB).
    public static let maxPfn = 1 << 24
    /// RAM: the first 4 GiB, in frames.
    public static let ramPfns = 1 << 20
    /// The first frame above RAM.
    public static let ramEnd = Pfn(ramPfns)
    /// Frames below this are reserved at boot (BIOS area, kernel image): 16 MiB.
    public static let firstAllocatablePfn = Pfn(0x1000)

    /// Boots a kernel of `config`: RAM online, low memory and the zero page reserved.
    public init(config: KernelConfig, log: AccessLog = AccessLog()) {
        self.config = config
        self.log = log
        self.layout = EntryLayout(config: config)
        self.tables = TableStore(log: log)
        self.inodes = TrackedArray(log: log, key: Obj.pageCache)
        self.pgmaps = TrackedArray(log: log, key: Obj.pgmap, others: [Obj.pgmapRef, Obj.pgmapLive, Obj.pgmapDone])
        self.pmems = TrackedArray(log: log, key: Obj.pmemNs)
        self.daxFiles = TrackedArray(log: log, key: Obj.daxFile)
        self.tlb = TLBState(log: log)
        var memmap = MemMap(maxPfn: Kernel.maxPfn, log: log)
        memmap.online(startPfn: Pfn(0), count: Kernel.ramPfns)
        self.memmap = memmap
        self.allocator = PageAllocator(
            firstPfn: Kernel.firstAllocatablePfn, endPfn: Kernel.ramEnd,
            movableStart: config.has(.movableZone) ? Pfn(Kernel.ramPfns / 2) : nil,
            lifo: config.has(.allocLifo), log: log)
        // The zero page lives in the kernel image (empty_zero_page): reserved, never freed.
        zeroPfn = Kernel.firstAllocatablePfn - 1
        self.memmap.fillInSweep(Pfn(0)..<Kernel.firstAllocatablePfn) {
            $0.flags = [.reserved]
            $0.refcount = 1
        }
        self.memmap.withPage(zeroPfn) { $0.flags = [.reserved, .zero] }
        if log.audit { log.auditor = self }
    }

    /// Records a violation.
    public func report(_ kind: ViolationKind, _ detail: String, on thread: String) {
        violations.append(Violation(kind: kind, detail: detail, thread: thread))
    }

    /// Records a violation seen by `task`.
    func report(_ kind: ViolationKind, _ detail: String, _ task: KTask) {
        report(kind, detail, on: task.name)
        task.exec.note("!! \(kind.name): \(detail)")
    }

    /// The struct page of `pfn` (the pfn must have a memmap, online or removed).
    @inline(__always) func page(_ pfn: Pfn) -> Page { memmap.page(pfn) }

    /// Mutates the struct page of `pfn` in place.
    @discardableResult @inline(__always) func withPage<R>(_ pfn: Pfn, _ body: (inout Page) -> R) -> R {
        memmap.withPage(pfn, body)
    }

    /// The identity of `pfn`'s struct page (flags, head, mapping), without its counts.
    @inline(__always) func identity(_ pfn: Pfn) -> PageIdentity { memmap.identity(pfn) }

    /// Models folio_zonenum(folio) == ZONE_MOVABLE (is_zone_movable_page()): RAM above
    /// the boot-time boundary of movablecore= (knob `movable_zone`). A constant of the
    /// machine, like the zone bits of page->flags, so reading it touches no shared state.
    @inline(__always) func isZoneMovable(_ pfn: Pfn) -> Bool {
        pfn >= allocator.movableStart && pfn < Kernel.ramEnd
    }

    /// The head pfn of the compound page `pfn` belongs to (compound_head()).
    @inline(__always) func compoundHead(_ pfn: Pfn) -> Pfn {
        let p = identity(pfn)
        return p.flags.contains(.tail) ? pfn - Int(p.headOffset) : pfn
    }

    /// A process's address space.
    @inline(__always) public func mm(_ id: Int) -> MM { mms[id] }
}

/// Counters of what the model did, per path (`--stats`).
public struct KernelStats: Sendable, Hashable {
    /// The counters by name, as `--stats` prints them.
    public var dictionary: [String: Int] {
        ["faults": faults, "pages_allocated": pagesAllocated, "pages_freed": pagesFreed,
         "tlb_flushes": tlbFlushes, "gup_fast_successes": gupFastSuccesses,
         "gup_fast_fallbacks": gupFastFallbacks, "get_dev_pagemap": getDevPagemapCalls,
         "p2pdma_page_checks": p2pdmaChecks, "gup_slow_faults": gupSlowFaults]
    }

    /// handle_mm_fault calls.
    public var faults = 0
    /// Pages allocated.
    public var pagesAllocated = 0
    /// Pages freed.
    public var pagesFreed = 0
    /// TLB flushes requested.
    public var tlbFlushes = 0
    /// gup-fast walks that took every page they were asked for.
    public var gupFastSuccesses = 0
    /// gup-fast walks that stopped early and left the rest to the slow path.
    public var gupFastFallbacks = 0
    /// get_dev_pagemap() calls.
    public var getDevPagemapCalls = 0
    /// is_pci_p2pdma_page() checks made on pages GUP returns.
    public var p2pdmaChecks = 0
    /// Faults taken by the GUP slow path (faultin_page).
    public var gupSlowFaults = 0
}
