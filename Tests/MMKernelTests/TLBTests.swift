import MMExplore
import Testing
@testable import MMKernel

/// Per-CPU TLBs: filled by user accesses, used until flushed (architecture.md, "Time,
/// concurrency and hardware"; reference §9).
@Suite struct TLBTests {
    @Test func aHitUsesTheCachedTranslationUntilTheFlush() async throws {
        let m = await Machine(.v6_1)
        let buf = await m.map(.anon, 8 * 1024)
        #expect(await m.kernel.store(m.task, buf, 42) == nil)
        let leaf = m.kernel.walkSnapshot(mm: m.mm, buf)
        #expect(leaf.level == .pte && leaf.entry != 0)
        // Clear the PTE behind the TLB's back: the CPU still translates through its entry.
        m.kernel.tables.write(leaf.ref.slot, leaf.ref.index, 0)
        let v1 = try await m.kernel.load(m.task, buf).get()
        #expect(v1 == 42)
        // After the flush the CPU walks again, finds nothing, and the fault maps the zero page.
        await m.kernel.flushTLBRange(m.task, mm: m.mm, buf, PAGE_SIZE)
        let v2 = try await m.kernel.load(m.task, buf).get()
        #expect(v2 == 0)
    }

    @Test func munmapFlushesEveryCPUThatCachedTheMM() async {
        let m = await Machine(.v6_1)
        let other = KTask.detached(name: "T1", cpu: 1, mm: m.mm)
        let buf = await m.map(.anon, 8 * 1024)
        #expect(await m.kernel.store(m.task, buf, 1) == nil)
        #expect(await m.kernel.store(other, buf + 8, 2) == nil)
        #expect(m.kernel.tlb.lookup(cpu: 0, mm: m.mm, buf) != nil)
        #expect(m.kernel.tlb.lookup(cpu: 1, mm: m.mm, buf) != nil)
        #expect(await m.kernel.munmap(m.task, mm: m.mm, buf, PAGE_SIZE) == 0)
        #expect(m.kernel.tlb.lookup(cpu: 0, mm: m.mm, buf) == nil)
        #expect(m.kernel.tlb.lookup(cpu: 1, mm: m.mm, buf) == nil)
        #expect(m.kernel.violations.isEmpty)
    }

    @Test func aWriteThroughAReadOnlyEntryWalksAgain() async throws {
        let m = await Machine(.v6_1, [(.thpAlways, false)])
        let buf = await m.map(.anon, 4096)
        // A read maps the zero page read-only and caches it; the write must not go there.
        let zero = try await m.kernel.load(m.task, buf).get()
        #expect(zero == 0)
        #expect(await m.kernel.store(m.task, buf, 7) == nil)
        let seven = try await m.kernel.load(m.task, buf).get()
        #expect(seven == 7)
        #expect(m.kernel.page(m.kernel.memory.zeroPfn).flags.contains(.zero))
        #expect(m.kernel.readPhys(m.kernel.memory.zeroPfn.physAddr) == 0)
    }

    /// switch_mm_irqs_off(): a CPU that runs the mm is in its mm_cpumask before it filled any
    /// TLB entry, so a flush IPIs it and waits while its IRQs are off; leaving the mm
    /// clears the bit (v5.10) or keeps it (v7.2, should_flush_tlb skips it), and a flush
    /// missed meanwhile is caught up (tlb_gen) when the CPU comes back.
    @Test(arguments: [Era.v5_10, .v7_2])
    func aCPURunningTheMMIsInItsCpumaskFromTheSwitch(era: Era) async throws {
        let m = await Machine(era)
        let buf = await m.map(.anon, 8 * 1024)
        #expect(m.kernel.tlb.cpus(of: m.mm) & 0b10 == 0)
        m.kernel.switchMMNow(cpu: 1, mm: m.mm)
        #expect(m.kernel.tlb.cpus(of: m.mm) & 0b10 != 0)
        #expect(m.kernel.tlb.loaded(cpu: 1) == m.mm)
        // cpu1 caches buf, then switches to another mm; a flush of buf is missed by it ...
        let other = KTask.detached(name: "T1", cpu: 1, mm: m.mm)
        #expect(await m.kernel.store(other, buf, 1) == nil)
        let q = await m.kernel.createProcess(m.task, name: "Q")!
        m.kernel.switchMMNow(cpu: 1, mm: q)
        #expect((m.kernel.tlb.cpus(of: m.mm) & 0b10 != 0) == (era >= .v7_2))
        await m.kernel.flushTLBRange(m.task, mm: m.mm, buf, PAGE_SIZE)
        #expect(m.kernel.tlb.lookup(cpu: 1, mm: m.mm, buf) != nil)
        // ... and caught up when it switches back.
        m.kernel.switchMMNow(cpu: 1, mm: m.mm)
        #expect(m.kernel.tlb.lookup(cpu: 1, mm: m.mm, buf) == nil)
        #expect(Era.v5_10.switchMMClearsPrevCpumask && !Era.v7_2.switchMMClearsPrevCpumask)
        #expect(!Era.v4_4.flushSkipsLazyCPUs && Era.v5_10.flushSkipsLazyCPUs)
    }

    /// The era defaults of the two TLB knobs.
    @Test func eraDefaults() {
        for era in Era.allCases {
            #expect(KernelConfig(era: era).has(.tlbFlushBeforeFree))
            #expect(KernelConfig(era: era).has(.rcuTableFree) == (era >= .v7_2))
        }
    }
}
