import MMExplore
import Testing
@testable import MMKernel

/// Page migration (mm/migrate.c, try_to_migrate in mm/rmap.c) and FOLL_LONGTERM pins out
/// of ZONE_MOVABLE (mm/gup.c check_and_migrate_movable_pages): the refcount check of
/// folio_migrate_mapping, migration entries seen by faults and gup-fast, gup-fast's PTE
/// re-read, and "mm/gup: migrate pinned pages out of movable zone" (v5.13).
@Suite struct MigrationTests {
    /// A page only its PTE references moves: the PTE maps a new frame holding the same
    /// data, the old frame is freed, the RSS is unchanged (remove_migration_ptes).
    @Test func unpinnedPageMoves() async {
        let m = await Machine(.v6_1)
        let a = await m.map(.anon, 4096)
        #expect(await m.kernel.store(m.task, a, 42) == nil)
        let old = m.observe(a).pagemap.pfn
        #expect(await m.kernel.movePages(m.task, mm: m.mm, a, 4096) == 0)
        let now = m.observe(a)
        #expect(now.pagemap.pfn != old)
        #expect(now.pagemap.present)
        #expect(now.smaps.rss == 4)  // kB
        #expect(m.kernel.page(old).flags.contains(.free))
        #expect(m.kernel.page(now.pagemap.pfn).refcount == 1)
        #expect(m.kernel.page(now.pagemap.pfn).mapcount == 1)
        #expect((try? await m.kernel.load(m.task, a).get()) == 42)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    /// A pinned page is not migrated (its count is the isolation reference plus the
    /// pin's bias, not the 1 folio_migrate_mapping expects; v6.1 refuses it earlier in
    /// page_try_share_anon_rmap): the old PTE is back, mapped, with its data. After the
    /// unpin it moves.
    @Test(arguments: [Era.v5_10, .v6_1]) func pinnedPageStays(era: Era) async {
        let m = await Machine(era)
        let a = await m.map(.anon, 4096)
        #expect(await m.kernel.store(m.task, a, 7) == nil)
        let old = m.observe(a).pagemap.pfn
        var held = HeldPages()
        #expect(await m.kernel.getUserPages(m.task, mm: m.mm, a, 1, [.pin, .write],
                                            held: &held) == 1)
        #expect(await m.kernel.movePages(m.task, mm: m.mm, a, 4096) == 1)
        #expect(m.observe(a).pagemap.pfn == old)
        #expect(m.kernel.page(old).mapcount == 1)
        #expect(m.kernel.page(old).refcount == 1 + GUP_PIN_COUNTING_BIAS)
        await m.kernel.releaseHeld(m.task, held, pinned: true)
        #expect(await m.kernel.movePages(m.task, mm: m.mm, a, 4096) == 0)
        #expect(m.observe(a).pagemap.pfn != old)
        #expect((try? await m.kernel.load(m.task, a).get()) == 7)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    /// P's anonymous page holding 42 at `base`.
    static func onePage(_ k: Kernel, _ t: KTask) async {
        var req = MmapRequest(target: .anon, length: 4096)
        req.placement = .at(base)
        _ = await k.mmap(t, mm: t.mm!, req)
        _ = await k.store(t, base, 42)
    }

    static let base: UInt64 = 0x7f00_0000_0000

    /// Where gup-fast's page went, for the check after the threads.
    final class Taken: @unchecked Sendable { var pfn: Pfn? }
    /// A value a thread loaded (nil when the load failed).
    final class Loaded: @unchecked Sendable { var value: UInt64? }

    /// A load racing with migration waits on the migration entry (migration_entry_wait)
    /// and reads the data in every interleaving; nothing is freed under anyone.
    @Test func faultWaitsForTheMigrationEntry() {
        let loaded = Loaded()
        let r = ConcurrencyTests.exploreAll(KernelConfig(era: .v6_1), cpus: [0, 1],
                                            setup: Self.onePage, threads: [
            { k, t in _ = await k.movePages(t, mm: t.mm!, Self.base, 4096) },
            { k, t in loaded.value = try? await k.load(t, Self.base).get() },
        ], check: { k in loaded.value == 42 && k.violations.isEmpty })
        #expect(r.executions > 1)
        #expect(r.allHold)
    }

    /// Without flush IPIs, gup-fast takes its reference after folio_migrate_mapping's
    /// check; only the PTE re-read (generic gup-fast, v3.19) makes it drop the old page
    /// and take the new one through the slow path. With IPIs (x86 native) the flush waits
    /// for gup-fast's IRQs-off walk, so the check sees the reference even without it.
    @Test(arguments: [(false, false), (false, true), (true, false)])
    func pteRecheckKeepsGupFastOffTheOldPage(ipiFlush: Bool, recheck: Bool) {
        let config = KernelConfig(era: .v6_1, overrides: [
            (.tlbFlushIpi, ipiFlush), (.rcuTableFree, !ipiFlush), (.gupFastPteRecheck, recheck)])
        let taken = Taken()
        let r = ConcurrencyTests.exploreAll(config, cpus: [0, 1], setup: Self.onePage, threads: [
            { k, t in
                var held = HeldPages()
                if await k.getUserPagesFast(t, mm: t.mm!, Self.base, 1, [.pin, .write],
                                            held: &held) == 1 {
                    taken.pfn = held.pfns[0]
                }
            },
            { k, t in _ = await k.movePages(t, mm: t.mm!, Self.base, 4096) },
        ], check: { k in taken.pfn == k.observe(mm: MMID(0), Self.base).pagemap.pfn })
        #expect(r.executions > 1)
        #expect(r.allHold == (ipiFlush || recheck))
    }

    /// With a ZONE_MOVABLE, anonymous faults take their pages there and page tables do
    /// not. A FOLL_LONGTERM pin then holds a ZONE_MOVABLE page (longterm-pin-movable)
    /// unless the v5.13 fix migrates it to ZONE_NORMAL first; the data follows the page.
    @Test(arguments: [false, true]) func longtermPinLeavesZoneMovable(fix: Bool) async {
        let m = await Machine(.v6_1, [(.movableZone, true), (.longtermMigrateMovable, fix)])
        let a = await m.map(.anon, 4096)
        #expect(await m.kernel.store(m.task, a, 9) == nil)
        let old = m.observe(a).pagemap.pfn
        #expect(m.kernel.isZoneMovable(old))
        #expect(!m.kernel.isZoneMovable(m.observe(a).pmdTable))
        var held = HeldPages()
        #expect(await m.kernel.getUserPagesFast(m.task, mm: m.mm, a, 1,
                                                [.pin, .longterm, .write], held: &held) == 1)
        let pinned = held.pfns[0]
        #expect(m.kernel.isZoneMovable(pinned) == !fix)
        #expect(m.observe(a).pagemap.pfn == pinned)
        #expect((try? await m.kernel.load(m.task, a).get()) == 9)
        let reported = m.kernel.violations.contains { $0.kind == .longtermPinMovable }
        #expect(reported == !fix)
        await m.kernel.releaseHeld(m.task, held, pinned: true)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(!m.kernel.violations.contains { $0.kind == .refcountLeak })
    }

    /// The knobs follow the eras: the PTE re-read from the first era with generic
    /// gup-fast (x86 since v4.13), the ZONE_MOVABLE migration from v5.13 (v6.1 here); no
    /// era boots with a movable zone.
    @Test func knobDefaultsFollowTheEras() {
        #expect(Era.allCases.filter { Knob.gupFastPteRecheck.defaultValue(in: $0) }.first == .v5_2)
        #expect(Era.allCases.filter { Knob.longtermMigrateMovable.defaultValue(in: $0) }.first
                    == .v6_1)
        #expect(!Era.allCases.contains { Knob.movableZone.defaultValue(in: $0) })
    }
}
