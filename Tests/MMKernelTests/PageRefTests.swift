import MMExplore
import Testing
@testable import MMKernel

/// put_page() on one page from several CPUs (include/linux/mm.h put_page ->
/// page_ref_dec_and_test, mm/swap.c __folio_put): only the put that drops the last
/// reference frees the page. A put that leaves references is a decrement that commutes
/// with other such puts; the put that reaches zero orders against every other one.
@Suite struct PageRefTests {
    /// Explores a v6.1 kernel where init allocates a page and takes references so that
    /// it holds `threads + extra`; T0..T(threads-1) each put one. Returns the executions,
    /// the redundant runs, whether the page was free at the end of each execution, and
    /// the audit's findings.
    static func puts(threads: Int, extra: Int32)
        -> (executions: Int, redundant: Int, freed: Set<Bool>, findings: [String])
    {
        final class Box { var pfn: Pfn? }
        var findings: [String] = []
        let r = explore(ExploreOptions(strategy: .dpor), testHash: 0,
                        isInteresting: { (_: Bool) in false }) {
            let box = Box()
            let k = Kernel(config: KernelConfig(era: .v6_1), log: AccessLog(audit: true))
            var list: [(String, (ExecThread) async -> Void)] = []
            for h in 0..<threads {
                list.append(("T\(h)", { e in
                    let t = KTask(exec: e, name: "T\(h)", cpu: h, mm: nil)
                    await t.step()   // the lookup before put_page is a step of its own
                    if let pfn = box.pfn { await k.putPage(t, pfn) }
                }))
            }
            let plan = ExecutionPlan(
                prologue: { e in
                    let t = KTask(exec: e, name: "init", cpu: 0, mm: nil)
                    box.pfn = await k.allocPages(t)
                    if let pfn = box.pfn { await k.getPage(t, pfn, Int32(threads - 1) + extra) }
                },
                threads: list,
                log: k.log)
            return (plan, { _ in
                findings += k.log.findings
                guard let pfn = box.pfn else { return false }
                return k.identity(pfn).flags.contains(.free)
            })
        }
        return (r.executions, r.redundant, Set(r.outcomes.map(\.outcome)), findings)
    }

    /// Every put leaves a reference: no put observes another, so one execution covers
    /// every order, and the page stays allocated.
    @Test(arguments: [2, 3, 4])
    func putsThatLeaveReferencesCommute(threads: Int) {
        let r = Self.puts(threads: threads, extra: 1)
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect(r.executions == 1)
        #expect(r.freed == [false])
    }

    /// The references are exactly the threads': whichever put comes last frees the
    /// page, so there is one class per thread that can be last, and the page is free at
    /// the end of every execution (never freed early: no put sees zero but the last).
    @Test(arguments: [2, 3, 4])
    func theLastPutFreesThePageWhoeverItIs(threads: Int) {
        let r = Self.puts(threads: threads, extra: 0)
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect(r.executions == threads)
        #expect(r.freed == [true])
    }
}
