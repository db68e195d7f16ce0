import MMExplore

/// The per-CPU TLBs and the per-CPU state the shootdown needs: IRQs on or off, lazy
/// (idle) or running, and each mm's `mm_cpumask` (arch/x86/mm/tlb.c). Flat arrays indexed
/// by CPU (`cpu * ways + way` for TLB entries), grown on demand; no dictionary on the
/// access path.
///
/// A TLB entry caches one leaf translation: the mm, the virtual base of the page it maps
/// (4K, 2M or 1G), the leaf entry as the walk read it, and the allocation epoch of the
/// frame it points to. A hit uses the cached entry even if the page table no longer holds
/// it; the entry goes only when its CPU flushes it (locally or in an IPI handler).
/// Instrumented: a CPU's TLB entries are object `Obj.tlb(cpu)`, its IRQ state (IRQs off,
/// IRQs-off sections, lazy mode) `Obj.cpuIrq(cpu)`, an mm's cpumask `Obj.cpumask(mm)`;
/// every accessor records its access. Growing the arrays for a new CPU records nothing:
/// a CPU without state behaves exactly as one with fresh state (IRQs on, not lazy, empty).
public struct TLBState: Hashable {
    /// Entries per CPU (a small fully associative TLB, replaced round-robin).
    public static let ways = 8
    /// Where accesses are recorded.
    let log: AccessLog

    /// Empty TLBs recording into `log`.
    init(log: AccessLog) { self.log = log }

    /// Hashable without the log.
    public static func == (a: TLBState, b: TLBState) -> Bool {
        a.entryMM == b.entryMM && a.entryVA == b.entryVA && a.entrySize == b.entrySize
            && a.entryValue == b.entryValue && a.entryEpoch == b.entryEpoch
            && a.irqsOffStore == b.irqsOffStore && a.irqSectionsStore == b.irqSectionsStore
            && a.lazyStore == b.lazyStore && a.cpumask == b.cpumask
    }
    /// Hashes the state, not the log.
    public func hash(into h: inout Hasher) {
        h.combine(entryMM); h.combine(entryVA); h.combine(entryValue)
        h.combine(irqsOffStore); h.combine(lazyStore); h.combine(cpumask)
    }

    /// MM id of each entry, -1 when invalid.
    var entryMM: [Int32] = []
    /// Virtual base address of each entry's page.
    var entryVA: [UInt64] = []
    /// Page size of each entry (PAGE_SIZE, PMD_SIZE or PUD_SIZE).
    var entrySize: [UInt64] = []
    /// The cached leaf entry.
    var entryValue: [UInt64] = []
    /// Epoch of the entry's frame (the head of a huge page) when the entry was filled.
    var entryEpoch: [UInt32] = []
    /// Whether a stale use of the entry was already reported (report once per entry).
    var entryReported: [Bool] = []
    /// Next way to replace, per CPU.
    var nextWay: [Int] = []
    /// local_irq_save() depth per CPU (IRQs off while > 0).
    private var irqsOffStore: [Int32] = []
    /// IRQs-off sections started per CPU (an RCU grace period waits for the current one).
    private var irqSectionsStore: [UInt32] = []
    /// The CPU's thread sleeps in a blocking lock: the CPU is idle, in lazy TLB mode.
    private var lazyStore: [Bool] = []
    /// mm_cpumask per mm: bit `cpu` set once the mm ran on that CPU.
    private var cpumask: [UInt64] = []
    /// cpu_tlbstate.loaded_mm per CPU: the mm whose user translations the CPU may use,
    /// -1 for none (init_mm). Object `Obj.tlb(cpu)`.
    private var loadedMMStore: [Int32] = []
    /// context.tlb_gen per mm: bumped by every flush of the mm (inc_mm_tlb_gen). Object
    /// `Obj.cpumask(mm)`.
    private var tlbGenStore: [UInt32] = []
    /// The mm's tlb_gen when a CPU switched away from it, by `cpu << 24 | mm`: on the
    /// switch back a newer tlb_gen means a flush was missed and the CPU flushes the mm.
    /// Object `Obj.tlb(cpu)`.
    private var leftGenStore: [Int: UInt32] = [:]

    /// Number of CPUs with state so far.
    public var cpuCount: Int { irqsOffStore.count }

    /// `cpu`'s local_irq_save() depth (0: IRQs on).
    public mutating func irqsOff(_ cpu: Int) -> Int32 {
        log.read(Obj.cpuIrq(cpu))
        return cpu < irqsOffStore.count ? irqsOffStore[cpu] : 0
    }
    /// Sets `cpu`'s IRQs-off depth.
    mutating func setIrqsOff(_ cpu: Int, _ depth: Int32) {
        log.write(Obj.cpuIrq(cpu))
        irqsOffStore[cpu] = depth
    }
    /// How many IRQs-off sections `cpu` has started.
    mutating func irqSection(_ cpu: Int) -> UInt32 {
        log.read(Obj.cpuIrq(cpu))
        return cpu < irqSectionsStore.count ? irqSectionsStore[cpu] : 0
    }
    /// `cpu` starts an IRQs-off section.
    mutating func beginIrqSection(_ cpu: Int) {
        log.write(Obj.cpuIrq(cpu))
        irqSectionsStore[cpu] &+= 1
    }
    /// Whether `cpu` is idle in lazy TLB mode.
    public mutating func isLazy(_ cpu: Int) -> Bool {
        log.read(Obj.cpuIrq(cpu))
        return cpu < lazyStore.count && lazyStore[cpu]
    }
    /// Sets `cpu`'s lazy TLB mode.
    mutating func setLazy(_ cpu: Int, _ lazy: Bool) {
        log.write(Obj.cpuIrq(cpu))
        lazyStore[cpu] = lazy
    }

    /// Makes room for CPU `cpu` and mm `mm`.
    @inline(__always) mutating func ensure(cpu: Int, mm: MMID) {
        if cpu >= irqsOffStore.count { grow(cpu: cpu) }
        if mm.raw >= cpumask.count {
            cpumask += repeatElement(0, count: mm.raw + 1 - cpumask.count)
            tlbGenStore += repeatElement(0, count: mm.raw + 1 - tlbGenStore.count)
        }
    }

    private mutating func grow(cpu: Int) {
        let n = cpu + 1 - irqsOffStore.count
        let w = n * TLBState.ways
        entryMM += repeatElement(-1, count: w)
        entryVA += repeatElement(0, count: w)
        entrySize += repeatElement(0, count: w)
        entryValue += repeatElement(0, count: w)
        entryEpoch += repeatElement(0, count: w)
        entryReported += repeatElement(false, count: w)
        nextWay += repeatElement(0, count: n)
        irqsOffStore += repeatElement(0, count: n)
        irqSectionsStore += repeatElement(0, count: n)
        lazyStore += repeatElement(false, count: n)
        loadedMMStore += repeatElement(-1, count: n)
    }

    /// The way of `cpu`'s TLB translating `addr` in `mm`, or nil on a miss.
    @inline(__always) mutating func lookup(cpu: Int, mm: MMID, _ addr: UInt64) -> Int? {
        log.read(Obj.tlb(cpu))
        guard cpu < irqsOffStore.count else { return nil }
        let base = cpu * TLBState.ways
        for i in base..<(base + TLBState.ways) where entryMM[i] == MMID.packed(mm) {
            if addr & ~(entrySize[i] - 1) == entryVA[i] { return i }
        }
        return nil
    }

    /// Caches a translation in `cpu`'s TLB (replacing an older one for the same page).
    mutating func fill(cpu: Int, mm: MMID, _ addr: UInt64, size: UInt64, entry: UInt64,
                       epoch: UInt32) {
        log.write(Obj.tlb(cpu))
        ensure(cpu: cpu, mm: mm)
        // The CPU has the mm loaded, so its bit is normally set already: then this only
        // reads the mask (a silent store changes nothing another CPU could see).
        log.access(Obj.cpumask(mm), cpumask[mm.raw] & (1 << UInt64(cpu)) != 0 ? .read : .write)
        let i = lookup(cpu: cpu, mm: mm, addr) ?? {
            let w = nextWay[cpu]
            nextWay[cpu] = (w + 1) % TLBState.ways
            return cpu * TLBState.ways + w
        }()
        entryMM[i] = MMID.packed(mm)
        entryVA[i] = addr & ~(size - 1)
        entrySize[i] = size
        entryValue[i] = entry
        entryEpoch[i] = epoch
        entryReported[i] = false
        cpumask[mm.raw] |= 1 << UInt64(cpu)
    }

    /// Drops one entry.
    @inline(__always) mutating func invalidate(way i: Int) {
        log.write(Obj.tlb(i / TLBState.ways))
        entryMM[i] = -1
    }

    /// The cached size, leaf entry and fill epoch of way `i` (its CPU's TLB is read).
    mutating func entry(way i: Int) -> (size: UInt64, value: UInt64, epoch: UInt32) {
        log.read(Obj.tlb(i / TLBState.ways))
        return (entrySize[i], entryValue[i], entryEpoch[i])
    }

    /// Whether a stale use of way `i` was already reported. Checker bookkeeping, not
    /// hardware state: nothing the kernel does depends on it, so it is not recorded.
    fileprivate mutating func staleReported(way i: Int) -> Bool { entryReported[i] }
    /// Marks way `i`'s stale use reported.
    fileprivate mutating func markStaleReported(way i: Int) { entryReported[i] = true }

    /// Drops `cpu`'s entries of `mm` that overlap `[start, start+length)`; returns how many.
    @discardableResult
    mutating func flush(cpu: Int, mm: MMID, _ start: UInt64, _ length: UInt64) -> Int {
        log.write(Obj.tlb(cpu))
        guard cpu < irqsOffStore.count else { return 0 }
        var n = 0
        let base = cpu * TLBState.ways
        for i in base..<(base + TLBState.ways) where entryMM[i] == MMID.packed(mm) {
            if entryVA[i] < start &+ length && entryVA[i] + entrySize[i] > start {
                entryMM[i] = -1
                n += 1
            }
        }
        return n
    }

    /// CPUs in `mm`'s cpumask.
    mutating func cpus(of mm: MMID) -> UInt64 {
        log.read(Obj.cpumask(mm))
        return mm.raw < cpumask.count ? cpumask[mm.raw] : 0
    }

    /// The mm `cpu` has loaded, or nil for none.
    mutating func loaded(cpu: Int) -> MMID? {
        log.read(Obj.tlb(cpu))
        return cpu < loadedMMStore.count ? MMID(packed: loadedMMStore[cpu]) : nil
    }

    /// inc_mm_tlb_gen(): a flush of `mm` bumps its tlb_gen.
    mutating func incTlbGen(_ mm: MMID) {
        log.write(Obj.cpumask(mm))
        tlbGenStore[mm.raw] &+= 1
    }

    /// switch_mm's bookkeeping (Kernel.switchMMNow): `cpu` leaves `prev` (remembering its
    /// tlb_gen, and leaving its cpumask when `clearPrev`), joins `mm`'s cpumask and loads
    /// it. Returns true when `mm`'s tlb_gen moved on since `cpu` last had it loaded.
    fileprivate mutating func switchLoaded(cpu: Int, from prev: MMID?, to mm: MMID,
                                           clearPrev: Bool) -> Bool {
        log.write(Obj.tlb(cpu))
        log.write(Obj.cpumask(mm))
        if let prev {
            log.access(Obj.cpumask(prev), clearPrev ? .write : .read)
            leftGenStore[cpu << 24 | prev.raw] = tlbGenStore[prev.raw]
            if clearPrev { cpumask[prev.raw] &= ~(1 << UInt64(cpu)) }
        }
        cpumask[mm.raw] |= 1 << UInt64(cpu)
        loadedMMStore[cpu] = MMID.packed(mm)
        if let g = leftGenStore[cpu << 24 | mm.raw], g != tlbGenStore[mm.raw] { return true }
        return false
    }
}

extension Kernel {
    /// Models switch_mm_irqs_off() (arch/x86/mm/tlb.c) when `t`'s CPU starts running
    /// `t.mm`: a scheduling point on the two cpumasks, then `switchMMNow`.
    public func switchMM(_ t: KTask) async {
        guard let mm = t.mm else { return }
        await t.step()
        switchMMNow(cpu: t.cpu, mm: mm, t)
    }

    /// Models switch_mm_irqs_off() (arch/x86/mm/tlb.c) without a scheduling point (for a
    /// scenario thread's CPU before any thread runs: it has switched to its process's mm
    /// from its first step). The CPU leaves the previous mm's mm_cpumask (eras with
    /// `switchMMClearsPrevCpumask`), joins `mm`'s, and — when `mm`'s tlb_gen moved on
    /// since the CPU last had it loaded — flushes its entries of `mm` (the tlb_gen
    /// catch-up of choose_new_asid/need_flush).
    public func switchMMNow(cpu: Int, mm: MMID?, _ t: KTask? = nil) {
        guard let mm else { return }
        tlb.ensure(cpu: cpu, mm: mm)
        let prev = tlb.loaded(cpu: cpu)
        guard prev != mm else { return }
        var dropped = 0
        if tlb.switchLoaded(cpu: cpu, from: prev, to: mm,
                            clearPrev: config.era.switchMMClearsPrevCpumask) {
            dropped = tlb.flush(cpu: cpu, mm: mm, 0, UInt64.max)
        }
        t?.exec.note("switch_mm_irqs_off cpu\(cpu): mm\(prev?.description ?? "-1") -> mm\(mm)"
                     + (dropped > 0 ? ", tlb_gen catch-up drops \(dropped) entries" : ""))
    }

    /// The TLB part of a user access: looks `addr` up in `t`'s CPU TLB (one scheduling
    /// point: an IPI from another CPU may flush it). On a hit that permits the access,
    /// returns the physical address the cached entry gives, reporting `stale-tlb` when
    /// its frame was freed or handed to someone else since the fill. A hit that does not
    /// permit the access (a write through a read-only or clean entry) drops the entry and
    /// returns nil: the CPU walks the tables again, as x86 does before faulting.
    ///
    /// The step reads this CPU's TLB, the frame's struct page (the checker reads it;
    /// freeing and reallocation write it) and, in the caller, the frame's contents.
    func tlbLookup(_ t: KTask, mm: MMID, _ addr: UInt64, write: Bool,
                   data: AccessKind? = nil) async -> UInt64? {
        await t.step()
        guard let i = tlb.lookup(cpu: t.cpu, mm: mm, addr) else { return nil }
        let cached = tlb.entry(way: i)
        let e = cached.value
        let need = write ? PTEBits.dirty : 0
        guard layout.accessPermitted(e, write: write), e & need == need else {
            tlb.invalidate(way: i)
            return nil
        }
        let size = cached.size
        let frame = e & PTEBits.pfnMask & ~(size - 1)
        let phys = frame | (addr & (size - 1))
        let head = Pfn(physAddr: frame)
        let pfn = Pfn(physAddr: phys)
        t.exec.note("TLB hit cpu\(t.cpu) \(hex(addr)) -> pfn \(hex(pfn))")
        if memory.memmap.pfnValid(head) && !tlb.staleReported(way: i) {
            let h = page(head)
            let freed = h.flags.contains(.free) || shape(pfn).flags.contains(.free)
            if freed || h.epoch != cached.epoch {
                tlb.markStaleReported(way: i)
                report(.staleTLB, "cpu\(t.cpu) TLB hit \(hex(addr)) -> pfn \(hex(pfn)), "
                       + (freed ? "frame freed" : "frame reused") + " since the fill", t)
            }
        } else if pfn >= TTMState.vramBasePfn && pfn < TTMState.vramEndPfn
                    && !tlb.staleReported(way: i) && vramIsFree(pfn) {
            tlb.markStaleReported(way: i)
            report(.staleTLB, "cpu\(t.cpu) TLB hit \(hex(addr)) -> VRAM pfn \(hex(pfn)), "
                   + "freed by the driver since the fill", t)
        }
        return phys
    }

    /// Fills `t`'s CPU TLB after a successful walk (part of the walk's last step).
    func tlbFill(_ t: KTask, mm: MMID, _ addr: UInt64, size: UInt64, entry: UInt64) {
        let head = layout.pfn(entry).aligned(order: size.trailingZeroBitCount - 12)
        let epoch = memory.memmap.pfnValid(head) ? shape(head).epoch : 0
        tlb.fill(cpu: t.cpu, mm: mm, addr, size: size, entry: entry, epoch: epoch)
    }
}
