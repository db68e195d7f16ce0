import MMExplore

/// The whole modelled kernel of one execution, as subsystems that own their state:
/// physical memory, page tables, address spaces, files, device memory, drivers, hugetlb,
/// TLBs, and what the checkers saw. Each execution owns one; nothing is global, so
/// executions can run side by side on several workers. The mechanisms are extensions in
/// the folder of their kernel file (Fault/, GUP/, VM/, ...).
public final class Kernel {
    /// The era and knobs.
    public let config: KernelConfig
    /// The era's page-table entry layout.
    public let layout: EntryLayout
    /// Where every access to shared state below is recorded (the instrumented stores
    /// hold it; the explorer attaches it to the execution).
    public let log: AccessLog
    /// Struct pages, the page allocator, zero pages, frame contents (Memory/).
    @exclusivity(unchecked) public internal(set) var memory: PhysicalMemory
    /// Page-table storage (PageTable/).
    @exclusivity(unchecked) public internal(set) var tables: TableStore
    /// Processes' address spaces, by `MM.id` (VM/).
    @exclusivity(unchecked) public internal(set) var mms: ProcessTable
    /// Files, block devices, mounts, DAX block maps and stored contents (FS/).
    @exclusivity(unchecked) public internal(set) var files: FileSystems
    /// ZONE_DEVICE pagemaps and pmem namespaces (DeviceMemory/, Drivers/Pmem.swift).
    @exclusivity(unchecked) public internal(set) var devices: DeviceMemory
    /// TTM/dma-buf, P2PDMA and AF_PACKET state (Drivers/).
    @exclusivity(unchecked) public internal(set) var drivers: DriverState
    /// Per-CPU TLBs, IRQ state and mm_cpumask (TLB/TLB.swift).
    @exclusivity(unchecked) public internal(set) var tlb: TLBState
    /// Violations, internal errors, lock order, the audit's baseline, counters (Check/).
    @exclusivity(unchecked) public internal(set) var checks = Checks()
    /// hugetlbfs mounts and files, the huge page pool, vma locks, PMD share counts
    /// (Hugetlb/). One coarse object: every access through `hugetlb` records it.
    @exclusivity(unchecked) private var hugetlbStore = HugetlbState()

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
        self.memory = PhysicalMemory(config: config, log: log)
        self.tables = TableStore(log: log)
        self.files = FileSystems(log: log)
        self.mms = ProcessTable(log: log)
        self.devices = DeviceMemory(log: log)
        self.drivers = DriverState(log: log)
        self.tlb = TLBState(log: log)
        if log.audit { log.auditor = self }
    }

    /// hugetlbfs mounts and files, the huge page pool, vma locks, PMD share counts (Hugetlb/).
    public var hugetlb: HugetlbState {
        get { log.read(Obj.hugetlbFile(-1)); return hugetlbStore }
        _modify { log.write(Obj.hugetlbFile(-1)); yield &hugetlbStore }
    }
    /// The audit's unrecorded view of the hugetlb state.
    var hugetlbUnrecorded: HugetlbState { hugetlbStore }
    /// A hugetlb vma lock's word, unrecorded here: Sync/Locks.swift records the lock.
    func hugetlbLockWord(_ lock: Int) -> LockState { hugetlbStore.vmaLocks[lock] }
    /// Sets a hugetlb vma lock's word (recorded by Sync/Locks.swift as the lock).
    func setHugetlbLockWord(_ lock: Int, _ state: LockState) { hugetlbStore.vmaLocks[lock] = state }

    /// Violations seen so far, in order.
    public var violations: [Violation] { checks.violations }
    /// Failures of the model's own invariants, reported apart from violations.
    public var internalErrors: [String] { checks.internalErrors }
    /// Counters a reviewer may ask for (`--stats`).
    public var stats: KernelStats { checks.stats }

    /// Records a violation.
    public func report(_ kind: ViolationKind, _ detail: String, on thread: String) {
        checks.violations.append(Violation(kind: kind, detail: detail, thread: thread))
    }

    /// Records a violation seen by `task`.
    func report(_ kind: ViolationKind, _ detail: String, _ task: KTask) {
        report(kind, detail, on: task.name)
        task.exec.note("!! \(kind.name): \(detail)")
    }

    /// A process's address space.
    @inline(__always) public func mm(_ id: MMID) -> MM { mms[id] }
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
