import MMExplore
import Testing
@testable import MMKernel

/// A dev_pagemap's percpu_ref and memunmap_pages() (mm/memremap.c, reference §6): the
/// kill makes tryget_live fail, holders' puts drain the count, and the memmap goes only
/// after wait_for_completion(&pgmap->done) saw the last reference dropped. Puts are
/// commuting updates of the count in either mode, so the explorer orders no two of them.
@Suite struct DevPagemapTests {
    /// Device memory the tests hot-add: one PMD's worth of pfns above RAM.
    static let start = Pfn(0x100000)

    /// Explores a v6.1 kernel where init hot-adds a GENERIC pgmap and takes `holders`
    /// references, T0..T(holders-1) each put one if `puts` says so, and the last thread
    /// runs memunmap_pages(); returns the executions, whether the memmap was removed at
    /// the end of each execution, and the audit's findings.
    static func unbind(holders: Int, puts: Bool)
        -> (executions: Int, removed: Set<Bool>, findings: [String])
    {
        final class Box { var pgmap: PgmapID? }
        var findings: [String] = []
        let r = explore(ExploreOptions(strategy: .dpor), testHash: 0,
                        isInteresting: { (_: Bool) in false }) {
            let box = Box()
            let k = Kernel(config: KernelConfig(era: .v6_1), log: AccessLog(audit: true))
            var threads: [(String, (ExecThread) async -> Void)] = []
            for h in 0..<holders {
                threads.append(("T\(h)", { e in
                    let t = KTask(exec: e, name: "T\(h)", cpu: h, mm: nil)
                    if puts, let i = box.pgmap { await k.putDevPagemap(t, i) }
                }))
            }
            threads.append(("T\(holders)", { e in
                let t = KTask(exec: e, name: "T\(holders)", cpu: holders, mm: nil)
                if let i = box.pgmap { await k.memunmapPages(t, i) }
            }))
            let plan = ExecutionPlan(
                prologue: { e in
                    let t = KTask(exec: e, name: "init", cpu: 0, mm: nil)
                    box.pgmap = await k.memremapPages(t, type: .generic, startPfn: start,
                                                      count: 512, owner: "dax0")
                    if let i = box.pgmap { k.pgmapGet(i, holders) }
                },
                threads: threads,
                log: k.log)
            return (plan, { _ in
                findings += k.log.findings
                return box.pgmap.map { k.devices.pgmaps.unrecorded($0).removed } ?? false
            })
        }
        return (r.executions, Set(r.outcomes.map(\.outcome)), findings)
    }

    /// Holders' puts and the unbind's kill and put of the per-pfn references: every
    /// count change commutes, so what is left to order is the wait's first test of the
    /// count against each holder's put (it reads how many are left): one class per set
    /// of puts before it, 2^holders (puts that ordered against each other would add
    /// their orders on top). In every one the memmap goes, after the last put.
    @Test(arguments: [2, 3])
    func putsAfterTheKillCommuteAndTheMemmapGoesLast(holders: Int) {
        let r = Self.unbind(holders: holders, puts: true)
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect(r.executions == 1 << holders)
        #expect(r.removed == [true])
    }

    /// A holder that never puts its reference: memunmap_pages() sleeps in
    /// wait_for_completion for good and the memmap stays, in every execution.
    @Test func aReferenceNeverPutKeepsTheMemmap() {
        let r = Self.unbind(holders: 2, puts: false)
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect(r.removed == [false])
    }
}
