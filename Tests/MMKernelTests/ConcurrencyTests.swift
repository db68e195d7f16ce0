import MMExplore
import Testing
@testable import MMKernel

/// IPIs, IRQs, RCU table freeing and the lock sanitizers, explored with DPOR.
@Suite struct ConcurrencyTests {
    /// Explores `threads` (each gets a task on CPU = its index, in `mm`) after `setup`
    /// (run alone on cpu0); returns each execution's result of `check`.
    static func exploreAll(_ config: KernelConfig, cpus: [Int],
                           setup: @escaping (Kernel, KTask) async -> Void,
                           threads: [(Kernel, KTask) async -> Void],
                           check: @escaping (Kernel) -> Bool) -> (executions: Int, allHold: Bool) {
        var holds = true
        let r = explore(ExploreOptions(strategy: .dpor), testHash: 0, isInteresting: { _ in false },
                        make: {
            let k = Kernel(config: config)
            var mm: MMID?
            let plan = ExecutionPlan(
                prologue: { exec in
                    let t = KTask(exec: exec, name: "init", cpu: 0, mm: nil)
                    mm = await k.createProcess(t, name: "P")!
                    t.mm = mm
                    await setup(k, t)
                },
                threads: threads.enumerated().map { i, body in
                    (name: "T\(i)", body: { exec in
                        await body(k, KTask(exec: exec, name: "T\(i)", cpu: cpus[i], mm: mm))
                    })
                }, log: k.log)
            return (plan, { (_: ExecutionEnd) -> Bool in
                let ok = check(k)
                holds = holds && ok
                return ok
            })
        })
        return (r.executions, holds)
    }

    static let base: UInt64 = 0x7f00_0000_0000

    static func mapAndTouch(_ k: Kernel, _ t: KTask) async {
        var req = MmapRequest(target: .anon, length: 8192)
        req.placement = .at(base)
        _ = await k.mmap(t, mm: t.mm!, req)
        _ = await k.store(t, base, 42)
    }

    /// A flush IPI to a CPU with IRQs off completes only after it re-enables them.
    @Test func theInitiatorWaitsForACPUWithIRQsOff() {
        var flushedWhileOff = false
        let r = Self.exploreAll(KernelConfig(era: .v6_1), cpus: [0, 1], setup: Self.mapAndTouch,
            threads: [
                { k, t in
                    await k.localIrqSave(t)
                    await t.step()
                    await k.localIrqRestore(t)
                },
                { k, t in
                    await k.flushTLBRange(t, mm: t.mm!, Self.base, PAGE_SIZE)
                    if k.tlb.irqsOff(0) > 0 { flushedWhileOff = true }
                },
            ], check: { _ in true })
        #expect(r.executions >= 2)
        #expect(!flushedWhileOff)
    }

    /// With RCU table freeing, a page table freed by munmap stays a table while a CPU that
    /// had IRQs off at call_rcu time keeps them off, even a CPU outside mm_cpumask (which
    /// the flush IPI does not reach); without it, that CPU gets no such protection.
    @Test(arguments: [true, false]) func rcuTableFreeWaitsForIRQsOffSections(rcu: Bool) {
        var table: Pfn?
        var protected = true
        let config = KernelConfig(era: .v6_1, overrides: [(.rcuTableFree, rcu)])
        let r = Self.exploreAll(config, cpus: [2, 1], setup: { k, t in
                await Self.mapAndTouch(k, t)
                table = k.tables.pfn(ofSlot: k.walkSnapshot(mm: t.mm!, Self.base).ref.slot)
            },
            threads: [
                { k, t in
                    await k.localIrqSave(t)
                    await t.step()
                    let before = k.page(table!).flags.contains(.table)
                    await t.step()
                    let after = k.page(table!).flags.contains(.table)
                    if before && !after { protected = false }
                    await k.localIrqRestore(t)
                },
                { k, t in _ = await k.munmap(t, mm: t.mm!, Self.base, 8192) },
            ], check: { k in k.violations.isEmpty && k.page(table!).flags.contains(.free) })
        #expect(r.allHold)
        #expect(protected == rcu)
    }

    @Test func lockOrderInversionIsReported() async {
        let m = await Machine(.v6_1)
        m.kernel.addDisk(name: "sda", size: 1 << 30)
        m.kernel.mkfs(device: 0, .ext4)
        #expect(m.kernel.mount(device: 0, at: "/mnt", dax: false) == 0)
        #expect(m.kernel.createFile(path: "/mnt/f", size: 4096, layout: .contiguous) == 0)
        let ino = m.kernel.inode(path: "/mnt/f")!
        let a = KTask.detached(name: "T0", cpu: 0, mm: m.mm)
        let b = KTask.detached(name: "T1", cpu: 1, mm: m.mm)
        await m.kernel.lock(a, .mmap(mm: m.mm))
        await m.kernel.lock(a, .iMmap(inode: ino))
        await m.kernel.unlock(a, .iMmap(inode: ino))
        await m.kernel.unlock(a, .mmap(mm: m.mm))
        #expect(m.kernel.violations.isEmpty)
        await m.kernel.lock(b, .iMmap(inode: ino))
        await m.kernel.lock(b, .mmap(mm: m.mm))
        #expect(m.kernel.violations.map(\.kind) == [.lockOrder])
    }

    @Test func sleepingLockUnderASpinlockIsSleepInAtomic() async {
        let m = await Machine(.v6_1)
        let slot = m.kernel.mms[m.mm].pgd
        await m.kernel.lock(m.task, .ptl(slot: slot))
        await m.kernel.lockShared(m.task, .mmap(mm: m.mm))
        #expect(m.kernel.violations.map(\.kind) == [.sleepInAtomic])
    }

    @Test func unlockingALockNotHeldIsAnInternalError() async {
        let m = await Machine(.v6_1)
        await m.kernel.unlockShared(m.task, .mmap(mm: m.mm))
        #expect(m.kernel.violations.isEmpty)
        #expect(m.kernel.internalErrors.count == 1)
    }
}
