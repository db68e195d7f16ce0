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
public struct TLBState: Hashable, Sendable {
    /// Entries per CPU (a small fully associative TLB, replaced round-robin).
    public static let ways = 8

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
    public internal(set) var irqsOff: [Int32] = []
    /// IRQs-off sections started per CPU (an RCU grace period waits for the current one).
    var irqSections: [UInt32] = []
    /// The CPU's thread sleeps in a blocking lock: the CPU is idle, in lazy TLB mode.
    public internal(set) var lazy: [Bool] = []
    /// mm_cpumask per mm: bit `cpu` set while `cpu` has the mm loaded (switch_mm), and —
    /// in eras whose switch_mm leaves the bit — after it switched away.
    var cpumask: [UInt64] = []
    /// cpu_tlbstate.loaded_mm per CPU: the mm whose user translations the CPU may use,
    /// -1 for none (init_mm).
    public internal(set) var loadedMM: [Int32] = []
    /// context.tlb_gen per mm: bumped by every flush of the mm (inc_mm_tlb_gen).
    var tlbGen: [UInt32] = []
    /// The mm's tlb_gen when a CPU switched away from it, by `cpu << 24 | mm`: on the
    /// switch back a newer tlb_gen means a flush was missed and the CPU flushes the mm.
    var leftGen: [Int: UInt32] = [:]

    /// Number of CPUs with state so far.
    public var cpuCount: Int { irqsOff.count }

    /// Makes room for CPU `cpu` and mm `mm`.
    @inline(__always) mutating func ensure(cpu: Int, mm: Int) {
        if cpu >= irqsOff.count { grow(cpu: cpu) }
        if mm >= cpumask.count {
            cpumask += repeatElement(0, count: mm + 1 - cpumask.count)
            tlbGen += repeatElement(0, count: mm + 1 - tlbGen.count)
        }
    }

    private mutating func grow(cpu: Int) {
        let n = cpu + 1 - irqsOff.count
        let w = n * TLBState.ways
        entryMM += repeatElement(-1, count: w)
        entryVA += repeatElement(0, count: w)
        entrySize += repeatElement(0, count: w)
        entryValue += repeatElement(0, count: w)
        entryEpoch += repeatElement(0, count: w)
        entryReported += repeatElement(false, count: w)
        nextWay += repeatElement(0, count: n)
        irqsOff += repeatElement(0, count: n)
        irqSections += repeatElement(0, count: n)
        lazy += repeatElement(false, count: n)
        loadedMM += repeatElement(-1, count: n)
    }

    /// The way of `cpu`'s TLB translating `addr` in `mm`, or nil on a miss.
    @inline(__always) func lookup(cpu: Int, mm: Int, _ addr: UInt64) -> Int? {
        guard cpu < irqsOff.count else { return nil }
        let base = cpu * TLBState.ways
        for i in base..<(base + TLBState.ways) where entryMM[i] == Int32(mm) {
            if addr & ~(entrySize[i] - 1) == entryVA[i] { return i }
        }
        return nil
    }

    /// Caches a translation in `cpu`'s TLB (replacing an older one for the same page).
    mutating func fill(cpu: Int, mm: Int, _ addr: UInt64, size: UInt64, entry: UInt64,
                       epoch: UInt32) {
        ensure(cpu: cpu, mm: mm)
        let i = lookup(cpu: cpu, mm: mm, addr) ?? {
            let w = nextWay[cpu]
            nextWay[cpu] = (w + 1) % TLBState.ways
            return cpu * TLBState.ways + w
        }()
        entryMM[i] = Int32(mm)
        entryVA[i] = addr & ~(size - 1)
        entrySize[i] = size
        entryValue[i] = entry
        entryEpoch[i] = epoch
        entryReported[i] = false
        cpumask[mm] |= 1 << UInt64(cpu)
    }

    /// Drops one entry.
    @inline(__always) mutating func invalidate(way i: Int) { entryMM[i] = -1 }

    /// Drops `cpu`'s entries of `mm` that overlap `[start, start+length)`; returns how many.
    @discardableResult
    mutating func flush(cpu: Int, mm: Int, _ start: UInt64, _ length: UInt64) -> Int {
        guard cpu < irqsOff.count else { return 0 }
        var n = 0
        let base = cpu * TLBState.ways
        for i in base..<(base + TLBState.ways) where entryMM[i] == Int32(mm) {
            if entryVA[i] < start &+ length && entryVA[i] + entrySize[i] > start {
                entryMM[i] = -1
                n += 1
            }
        }
        return n
    }

    /// CPUs in `mm`'s cpumask.
    func cpus(of mm: Int) -> UInt64 { mm < cpumask.count ? cpumask[mm] : 0 }

    /// The mm `cpu` has loaded, or -1.
    func loaded(cpu: Int) -> Int { cpu < loadedMM.count ? Int(loadedMM[cpu]) : -1 }
}

extension Kernel {
    /// Models switch_mm_irqs_off() (arch/x86/mm/tlb.c) when `t`'s CPU starts running
    /// `t.mm`: a scheduling point on the two cpumasks, then `switchMMNow`.
    public func switchMM(_ t: KTask) async {
        let prev = tlb.loaded(cpu: t.cpu)
        guard t.mm >= 0, prev != t.mm else { return }
        var fp = Footprint(Obj.tlb(t.cpu), .write)
        fp.add(Obj.cpumask(t.mm), .write)
        if prev >= 0 { fp.add(Obj.cpumask(prev), .write) }
        await t.exec.step(fp)
        switchMMNow(cpu: t.cpu, mm: t.mm, t)
    }

    /// Models switch_mm_irqs_off() (arch/x86/mm/tlb.c) without a scheduling point (for a
    /// scenario thread's CPU before any thread runs: it has switched to its process's mm
    /// from its first step). The CPU leaves the previous mm's mm_cpumask (eras with
    /// `switchMMClearsPrevCpumask`), joins `mm`'s, and — when `mm`'s tlb_gen moved on
    /// since the CPU last had it loaded — flushes its entries of `mm` (the tlb_gen
    /// catch-up of choose_new_asid/need_flush).
    public func switchMMNow(cpu: Int, mm: Int, _ t: KTask? = nil) {
        guard mm >= 0 else { return }
        tlb.ensure(cpu: cpu, mm: mm)
        let prev = Int(tlb.loadedMM[cpu])
        guard prev != mm else { return }
        if prev >= 0 {
            tlb.leftGen[cpu << 24 | prev] = tlb.tlbGen[prev]
            if config.era.switchMMClearsPrevCpumask { tlb.cpumask[prev] &= ~(1 << UInt64(cpu)) }
        }
        tlb.cpumask[mm] |= 1 << UInt64(cpu)
        tlb.loadedMM[cpu] = Int32(mm)
        var dropped = 0
        if let g = tlb.leftGen[cpu << 24 | mm], g != tlb.tlbGen[mm] {
            dropped = tlb.flush(cpu: cpu, mm: mm, 0, UInt64.max)
        }
        t?.exec.note("switch_mm_irqs_off cpu\(cpu): mm\(prev) -> mm\(mm)"
                     + (dropped > 0 ? ", tlb_gen catch-up drops \(dropped) entries" : ""))
    }

    /// The TLB part of a user access: looks `addr` up in `t`'s CPU TLB (one scheduling
    /// point: an IPI from another CPU may flush it). On a hit that permits the access,
    /// returns the physical address the cached entry gives, reporting `stale-tlb` when
    /// its frame was freed or handed to someone else since the fill. A hit that does not
    /// permit the access (a write through a read-only or clean entry) drops the entry and
    /// returns nil: the CPU walks the tables again, as x86 does before faulting.
    ///
    /// Only this CPU fills its TLB, so the entry seen before the step is the one the step
    /// uses unless a flush dropped it: the step declares the frame's struct page (the
    /// checker reads it; freeing writes it) and its contents (`data`). The allocator's
    /// epoch bump on reuse is not declared by allocPages (it declares only the free
    /// lists), so DPOR orders a hit against the free, not against a later reuse.
    func tlbLookup(_ t: KTask, mm: Int, _ addr: UInt64, write: Bool,
                   data: AccessKind? = nil) async -> UInt64? {
        var fp = Footprint(Obj.tlb(t.cpu), .read)
        if let i = tlb.lookup(cpu: t.cpu, mm: mm, addr) {
            let size = tlb.entrySize[i]
            let phys = tlb.entryValue[i] & PTEBits.pfnMask & ~(size - 1) | (addr & (size - 1))
            fp.add(Obj.page(Int(phys >> 12) & ~(Int(size >> 12) - 1)), .read)
            if let data { fp.add(Obj.frame(Int(phys >> 12)), data) }
        }
        await t.exec.step(fp)
        guard let i = tlb.lookup(cpu: t.cpu, mm: mm, addr) else { return nil }
        let e = tlb.entryValue[i]
        let need = write ? PTEBits.dirty : 0
        guard layout.accessPermitted(e, write: write), e & need == need else {
            tlb.invalidate(way: i)
            return nil
        }
        let size = tlb.entrySize[i]
        let frame = e & PTEBits.pfnMask & ~(size - 1)
        let phys = frame | (addr & (size - 1))
        let head = Int(frame >> 12)
        let pfn = Int(phys >> 12)
        t.exec.note("TLB hit cpu\(t.cpu) \(hex(addr)) -> pfn \(hex(pfn))")
        if memmap.pfnValid(head) && !tlb.entryReported[i] {
            let h = page(head)
            let freed = h.flags.contains(.free) || page(pfn).flags.contains(.free)
            if freed || h.epoch != tlb.entryEpoch[i] {
                tlb.entryReported[i] = true
                report(.staleTLB, "cpu\(t.cpu) TLB hit \(hex(addr)) -> pfn \(hex(pfn)), "
                       + (freed ? "frame freed" : "frame reused") + " since the fill", t)
            }
        }
        return phys
    }

    /// Fills `t`'s CPU TLB after a successful walk (part of the walk's last step).
    func tlbFill(_ t: KTask, mm: Int, _ addr: UInt64, size: UInt64, entry: UInt64) {
        let head = layout.pfn(entry) & ~(Int(size >> 12) - 1)
        let epoch = memmap.pfnValid(head) ? page(head).epoch : 0
        tlb.fill(cpu: t.cpu, mm: mm, addr, size: size, entry: entry, epoch: epoch)
    }
}
