import MMExplore

/// An RSS counter of an mm (add_mm_counter / get_mm_counter): only added to, so two
/// adds commute.
public struct MMCounter: Hashable, Sendable {
    /// The count, in pages.
    public fileprivate(set) var pages = 0
    /// add_mm_counter(+n).
    public static func += (c: inout MMCounter, n: Int) { c.pages += n }
    /// add_mm_counter(-n).
    public static func -= (c: inout MMCounter, n: Int) { c.pages -= n }
}

/// Whether a vma has an anon_vma (vma->anon_vma != NULL). Its flag is private to this
/// file, so every read goes through `MM.hasAnonVMA(_:)` and every write through
/// `MM.anonVMAPrepare(at:)`, which record the access on `Obj.anonVMA(mm)`.
public struct AnonVMAMark: Hashable, Sendable {
    fileprivate var linked = false
}

/// A modelled `struct mm_struct`: one process's address space. A handful exist per
/// execution, so a class is fine; its vmas are values in a sorted array.
///
/// Instrumented: the vma tree is object `Obj.vmas(id)` (exit writes it too), the RSS
/// counters `Obj.mmCounters(id)` (adds are commuting updates), the vmas' anon_vma links
/// `Obj.anonVMA(id)` (a fault sets one under mmap_lock held shared, apart from the
/// tree), deposited tables `Obj.deposit(id)`, write_protect_seq
/// `Obj.writeProtectSeq(id)`; mmap_lock is a lock (Sync/Locks.swift records it).
/// Each property's accessors record the access.
public final class MM {
    /// Index in `Kernel.mms`.
    public let id: MMID
    /// The process's name in the scenario.
    public let name: String
    /// Table slot of the PGD (fixed for the mm's life).
    public let pgd: TableSlot
    /// mmap_lock.
    @exclusivity(unchecked) public var mmapLock = LockState()
    /// Top of the mmap area (mmap_base); allocation goes down from here.
    public let mmapBase: UInt64 = 0x7f00_0000_0000
    /// Where accesses are recorded.
    let log: AccessLog

    @exclusivity(unchecked) private var vmaStore: [VMA] = []
    @exclusivity(unchecked) private var anonStore = MMCounter()
    @exclusivity(unchecked) private var fileStore = MMCounter()
    @exclusivity(unchecked) private var depositStore: [UInt64: TableSlot] = [:]
    @exclusivity(unchecked) private var wpSeqStore: UInt32 = 0
    @exclusivity(unchecked) private var flushPendingStore = 0
    @exclusivity(unchecked) private var exitedStore = false

    /// vmas sorted by start address.
    /// Changing the tree (adding, removing, splitting vmas) writes the anon_vma links too.
    public var vmas: [VMA] {
        get { log.read(Obj.vmas(id)); return vmaStore }
        _modify {
            log.write(Obj.vmas(id)); log.write(Obj.anonVMA(id))
            yield &vmaStore
        }
    }
    /// MM_ANONPAGES.
    public var anonPages: MMCounter {
        get { log.read(Obj.mmCounters(id)); return anonStore }
        _modify { log.update(Obj.mmCounters(id)); yield &anonStore }
    }
    /// MM_FILEPAGES.
    public var filePages: MMCounter {
        get { log.read(Obj.mmCounters(id)); return fileStore }
        _modify { log.update(Obj.mmCounters(id)); yield &fileStore }
    }
    /// Deposited PTE tables for huge PMDs (pgtable_trans_huge_deposit), by PMD address.
    public var deposited: [UInt64: TableSlot] {
        get { log.read(Obj.deposit(id)); return depositStore }
        _modify { log.write(Obj.deposit(id)); yield &depositStore }
    }
    /// mm->write_protect_seq: odd while fork copies page tables (v5.11+).
    public var writeProtectSeq: UInt32 {
        get { log.read(Obj.writeProtectSeq(id)); return wpSeqStore }
        _modify { log.write(Obj.writeProtectSeq(id)); yield &wpSeqStore }
    }
    /// mm->tlb_flush_pending: mmu_gathers begun and not finished on this mm
    /// (inc_tlb_flush_pending in tlb_gather_mmu, dec in tlb_finish_mmu; commuting updates).
    public var tlbFlushPending: Int {
        get { log.read(Obj.tlbFlushPending(id)); return flushPendingStore }
        _modify { log.update(Obj.tlbFlushPending(id)); yield &flushPendingStore }
    }
    /// The process has exited: its mm was torn down.
    public var exited: Bool {
        get { log.read(Obj.vmas(id)); return exitedStore }
        _modify { log.write(Obj.vmas(id)); yield &exitedStore }
    }

    init(id: MMID, name: String, pgd: TableSlot, log: AccessLog) {
        self.id = id
        self.name = name
        self.pgd = pgd
        self.log = log
    }

    /// A digest of the mm's state by object, for the audit.
    func auditDigest(into out: inout [ObjectID: Int]) {
        var h = Hasher()
        h.combine(vmaStore.count); h.combine(exitedStore)
        for v in vmaStore { h.combine(v.start); h.combine(v.end); h.combine(v.flags.rawValue) }
        out[Obj.vmas(id)] = h.finalize()
        var links = Hasher()
        for v in vmaStore { links.combine(v.start); links.combine(v.anonVMA.linked) }
        out[Obj.anonVMA(id)] = links.finalize()
        out[Obj.mmCounters(id)] = anonStore.pages &* 1_000_003 &+ fileStore.pages
        out[Obj.deposit(id)] = depositStore.hashValue
        out[Obj.writeProtectSeq(id)] = Int(wpSeqStore)
        out[Obj.tlbFlushPending(id)] = flushPendingStore
    }

    /// Models find_vma(): the first vma with end > addr.
    public func findVMA(_ addr: UInt64) -> Int? {
        log.read(Obj.vmas(id))
        let vmas = vmaStore
        var lo = 0, hi = vmas.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if vmas[mid].end <= addr { lo = mid + 1 } else { hi = mid }
        }
        return lo < vmas.count ? lo : nil
    }

    /// The vma containing `addr`, if any (vma_lookup()).
    public func vmaContaining(_ addr: UInt64) -> Int? {
        guard let i = findVMA(addr), vmaStore[i].start <= addr else { return nil }
        return i
    }

    /// Models the test of vma->anon_vma (vma_needs_copy(), the i_mmap walks that skip
    /// private COW copies): whether `vma` has an anon_vma.
    public func hasAnonVMA(_ vma: VMA) -> Bool {
        log.read(Obj.anonVMA(id))
        return vma.anonVMA.linked
    }

    /// Models anon_vma_prepare() (mm/rmap.c) for the vma containing `addr`: a read when
    /// the vma has its anon_vma already (the lockless fast path), else links one (a
    /// write, under mm->page_table_lock in the kernel). The fault holds mmap_lock, so the
    /// vma is there.
    func anonVMAPrepare(at addr: UInt64) {
        guard let i = vmaContaining(addr) else { return }
        log.read(Obj.anonVMA(id))
        if vmaStore[i].anonVMA.linked { return }
        log.write(Obj.anonVMA(id))
        vmaStore[i].anonVMA.linked = true
    }

    /// Inserts a vma keeping the order.
    func insert(_ vma: VMA) {
        let i = vmas.firstIndex(where: { $0.start > vma.start }) ?? vmas.count
        vmas.insert(vma, at: i)
    }
}

extension Kernel {
    /// Models mm_alloc() + pgd_alloc() (kernel/fork.c): a new empty address space.
    public func createProcess(_ t: KTask, name: String) async -> MMID? {
        guard let pgd = await allocTable(t) else { return nil }
        let mm = MM(id: MMID(mms.count), name: name, pgd: pgd, log: log)
        mms.append(mm)
        return mm.id
    }

    /// The id of the process named `name`.
    public func process(named name: String) -> MMID? {
        mms.first(where: { $0.name == name })?.id
    }
}
