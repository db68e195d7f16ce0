import MMExplore
import Testing
@testable import MMKernel

/// The page allocator's per-cpu lists (mm/page_alloc.c free_unref_page_commit,
/// rmqueue_pcplist): a CPU reuses its own frees first and another CPU's once drained;
/// frees on two CPUs touch different lists, so the explorer does not order them.
@Suite struct PageAllocTests {
    static let cpu0 = KTask.detached(name: "T0", cpu: 0)
    static let cpu1 = KTask.detached(name: "T1", cpu: 1)

    /// Two frames allocated on CPU 0, then freed: the first by `first`, the second by
    /// `second`.
    static func twoFreed(_ m: Machine, first: KTask, second: KTask) async -> (Pfn, Pfn) {
        let p1 = await m.kernel.allocPages(cpu0)!
        let p2 = await m.kernel.allocPages(cpu0)!
        await m.kernel.putPage(first, p1)
        await m.kernel.putPage(second, p2)
        return (p1, p2)
    }

    /// A CPU's own most recent free comes back first; with its list empty, another CPU's
    /// free (through the drain); a CPU with nothing freed anywhere gets a never-used frame.
    @Test func ownCpuFirstThenAnotherCpusFree() async {
        let m = await Machine(.v6_1)
        let (p1, p2) = await Self.twoFreed(m, first: Self.cpu1, second: Self.cpu0)
        #expect(await m.kernel.allocPages(Self.cpu0) == p2)
        #expect(await m.kernel.allocPages(Self.cpu0) == p1)
        let fresh = await m.kernel.allocPages(KTask.detached(name: "T2", cpu: 2))!
        #expect(fresh != p1 && fresh != p2)
    }

    /// `-pcp_lists`: every CPU shares one list, so the most recent free on any CPU is the
    /// next frame handed out on every CPU.
    @Test func withoutPcpListsTheLatestFreeAnywhereComesFirst() async {
        let m = await Machine(.v6_1, [(.pcpLists, false)])
        let (_, p2) = await Self.twoFreed(m, first: Self.cpu0, second: Self.cpu1)
        #expect(await m.kernel.allocPages(Self.cpu0) == p2)
    }

    /// Explores T0 and T1 (CPUs 0 and 1) on a v6.1 kernel (with `overrides`) after an
    /// init that allocates `order`-sized blocks; returns the executions and the outcomes
    /// (what `finish` reads), with the audit on.
    static func explore2(knobs overrides: [(knob: Knob, on: Bool)] = [], order: Int = 0,
                         _ t0: @escaping (Kernel, KTask, [Pfn]) async -> Void,
                         _ t1: @escaping (Kernel, KTask, [Pfn]) async -> Void,
                         finish: @escaping (Kernel, [Pfn]) -> Int = { _, _ in 0 })
        -> (executions: Int, outcomes: Set<Int>, findings: [String])
    {
        final class Box { var pfns: [Pfn] = [] }
        var findings: [String] = []
        let r = explore(ExploreOptions(strategy: .dpor), testHash: 0,
                        isInteresting: { (_: Int) in false }) {
            let box = Box()
            let k = Kernel(config: KernelConfig(era: .v6_1, overrides: overrides),
                           log: AccessLog(audit: true))
            let plan = ExecutionPlan(
                prologue: { e in
                    let t = KTask(exec: e, name: "init", cpu: 0, mm: nil)
                    for _ in 0..<3 { box.pfns.append(await k.allocPages(t, order: order)!) }
                    // Both CPUs' lists exist (a CPU's first free creates them, which
                    // orders against every allocation that walks the lists).
                    for cpu in 0..<2 {
                        let other = KTask(exec: e, name: "init", cpu: cpu, mm: nil)
                        await k.putPage(other, await k.allocPages(other, order: order)!)
                    }
                },
                threads: [
                    // put_page looks up the compound head before its own scheduling
                    // point: each thread starts with one.
                    ("T0", { e in
                        let t = KTask(exec: e, name: "T0", cpu: 0, mm: nil)
                        await t.step()
                        await t0(k, t, box.pfns)
                    }),
                    ("T1", { e in
                        let t = KTask(exec: e, name: "T1", cpu: 1, mm: nil)
                        await t.step()
                        await t1(k, t, box.pfns)
                    }),
                ],
                log: k.log)
            return (plan, { _ in findings += k.log.findings; return finish(k, box.pfns) })
        }
        return (r.executions, Set(r.outcomes.map(\.outcome)), findings)
    }

    /// Frees on two CPUs commute: one execution. With one shared list their order is what
    /// the next allocation gets, so both orders are explored.
    @Test func freesOnTwoCpusCommute() {
        let freeOne: (Int) -> (Kernel, KTask, [Pfn]) async -> Void = { i in
            { k, t, p in await k.putPage(t, p[i]) }
        }
        let perCpu = Self.explore2(freeOne(0), freeOne(1))
        #expect(perCpu.findings.isEmpty, "\(perCpu.findings)")
        #expect(perCpu.executions == 1)
        let shared = Self.explore2(knobs: [(.pcpLists, false)], freeOne(0), freeOne(1))
        #expect(shared.executions == 2)
    }

    /// An allocation on a CPU with an empty list races with a free on another: it gets
    /// the freed frame when the free came first, a never-used one otherwise.
    @Test func allocationOnAnEmptyListRacesWithAnotherCpusFree() {
        final class Got { var pfn: Pfn? }
        let got = Got()
        let r = Self.explore2({ k, t, _ in got.pfn = await k.allocPages(t) },
                              { k, t, p in await k.putPage(t, p[0]) },
                              finish: { _, p in got.pfn == p[0] ? 1 : 0 })
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect(r.outcomes == [0, 1])
    }

    /// THP-sized blocks go through the per-cpu lists from v5.13 ("mm/page_alloc: allow
    /// high-order pages to be stored on the per-cpu lists"): two CPUs freeing one each
    /// commute; without (v5.10's rule) they meet on the zone's list and race.
    @Test func thpBlocksUsePerCpuListsFromV5_13() {
        let freeOne: (Int) -> (Kernel, KTask, [Pfn]) async -> Void = { i in
            { k, t, p in await k.putPage(t, p[i]) }
        }
        #expect(Self.explore2(order: 9, freeOne(0), freeOne(1)).executions == 1)
        #expect(Self.explore2(knobs: [(.pcpHighOrder, false)], order: 9, freeOne(0), freeOne(1))
            .executions == 2)
        #expect(KernelConfig(era: .v6_1).has(.pcpHighOrder))
        #expect(!KernelConfig(era: .v5_10).has(.pcpHighOrder))
    }
}
