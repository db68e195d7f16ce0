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
        #expect(m.kernel.page(m.kernel.zeroPfn).flags.contains(.zero))
        #expect(m.kernel.readPhys(UInt64(m.kernel.zeroPfn) << 12) == 0)
    }

    /// The era defaults of the two TLB knobs.
    @Test func eraDefaults() {
        for era in Era.allCases {
            #expect(KernelConfig(era: era).has(.tlbFlushBeforeFree))
            #expect(KernelConfig(era: era).has(.rcuTableFree) == (era >= .v7_2))
        }
    }
}
