import MMExplore
import Testing
@testable import MMKernel

/// The kernel's shared state records its own accesses, and the audit catches a step that
/// changes state without recording it (architecture.md, "Soundness of footprints").
@Suite struct AccessAuditTests {
    /// Explores two threads on a fresh kernel with the audit on; returns its findings.
    static func findings(_ t0: @escaping (Kernel, KTask) async -> Void,
                         _ t1: @escaping (Kernel, KTask) async -> Void) -> [String] {
        var out: [String] = []
        _ = explore(ExploreOptions(strategy: .dpor), testHash: 0,
                    isInteresting: { (_: Int) in false }) {
            let k = Kernel(config: KernelConfig(era: .v6_1), log: AccessLog(audit: true))
            let plan = ExecutionPlan(
                prologue: { e in
                    let t = KTask(exec: e, name: "init", cpu: 0, mm: nil)
                    _ = await k.createProcess(t, name: "P")
                    _ = await k.addPmem(t, name: "pmem0", size: 16 << 20, mode: .raw, map: nil,
                                        align: nil)
                },
                threads: [
                    ("T0", { e in await t0(k, KTask(exec: e, name: "T0", cpu: 0, mm: nil)) }),
                    ("T1", { e in await t1(k, KTask(exec: e, name: "T1", cpu: 1, mm: nil)) }),
                ],
                log: k.log)
            return (plan, { _ in out += k.log.findings; return 0 })
        }
        return out
    }

    /// Two put_page()s of a page with two references: whichever runs second frees it.
    /// The put that does not reach zero must still conflict with the other (the caller
    /// tests the count): recorded as a commuting update, the put explored second was kept
    /// asleep after the other put made it the freeing one, and the sleep-set audit
    /// reported it (the seed-003 race lost 4 of 19 classes at 2 threads that way).
    @Test func twoPutsOfOnePageRaceBothWays() {
        final class Box { var pfn: Pfn? }
        let box = Box()
        var out: [String] = []
        var executions = 0
        _ = explore(ExploreOptions(strategy: .dpor), testHash: 0,
                    isInteresting: { (_: Int) in false }) {
            let k = Kernel(config: KernelConfig(era: .v6_1), log: AccessLog(audit: true))
            func put(_ name: String, cpu: Int) -> (name: String, body: (ExecThread) async -> Void) {
                (name, { e in
                    let t = KTask(exec: e, name: name, cpu: cpu, mm: nil)
                    // put_page looks up the compound head before its own scheduling point.
                    await t.step()
                    await k.putPage(t, box.pfn!)
                })
            }
            let plan = ExecutionPlan(
                prologue: { e in
                    let t = KTask(exec: e, name: "init", cpu: 0, mm: nil)
                    box.pfn = await k.allocPages(t)
                    await k.getPage(t, box.pfn!)
                },
                threads: [put("T0", cpu: 0), put("T1", cpu: 1)],
                log: k.log)
            return (plan, { _ in
                out += k.log.findings
                executions += 1
                return 0
            })
        }
        #expect(out.isEmpty, "\(out)")
        // Either thread frees, and the other order of the puts is explored too.
        #expect(executions >= 2)
    }

    /// A test double of a buggy model step: it changes a pmem namespace through the
    /// tracked array's unrecorded path (as code going around the accessor would).
    @Test func underDeclaredStepIsCaught() {
        let f = Self.findings({ k, t in
            await t.step()
            k.devices.pmems.withUnrecorded(0) { $0.name += "x" }
        }, { k, t in await t.step(); _ = k.devices.pmems[0].name })
        #expect(f.contains { $0.contains("pmem namespace") && $0.contains("without recording") })
    }

    /// The same change through the accessor is clean, and the two steps conflict.
    @Test func accessorStepIsClean() {
        let f = Self.findings({ k, t in await t.step(); k.devices.pmems[0].name += "x" },
                              { k, t in await t.step(); _ = k.devices.pmems[0].name })
        #expect(f.isEmpty)
    }

    /// Reading a page-table entry before the thread's first scheduling point belongs to no
    /// step: the audit reports it.
    @Test func accessBeforeFirstStepIsCaught() {
        let slot = TableSlot(0)
        let f = Self.findings({ k, t in _ = k.tables.read(slot, 0); await t.step() },
                              { k, t in await t.step(); k.tables.write(slot, 1, 0) })
        #expect(f.contains { $0.contains("outside any step") })
    }

    /// Instrumented stores record what a step touched: a page-table entry write and a
    /// struct page read show up in the step's footprint without any declaration.
    @Test func instrumentedStoresRecordTheirAccesses() {
        var seen = Footprint()
        _ = explore(ExploreOptions(strategy: .dpor), testHash: 0,
                    isInteresting: { (_: Int) in false }) {
            let k = Kernel(config: KernelConfig(era: .v6_1), log: AccessLog(audit: true))
            let plan = ExecutionPlan(prologue: { e in
                _ = await k.createProcess(KTask(exec: e, name: "init", cpu: 0, mm: nil), name: "P")
            }, threads: [("T0", { e in
                await e.step()
                k.tables.write(TableSlot(0), 7, 0)
                _ = k.page(Kernel.firstAllocatablePfn)
                seen = k.log.currentFootprint
            })], log: k.log)
            return (plan, { _ in 0 })
        }
        #expect(seen.covers(Obj.entry(TableSlot(0), 7), .write))
        #expect(seen.covers(Obj.page(Kernel.firstAllocatablePfn), .read))
        #expect(seen.covers(Obj.section(Kernel.firstAllocatablePfn), .read))
    }

    /// Explores T0 and T1 (kernel threads on cpu0 and cpu1) over a kernel `prologue`
    /// prepared: each execution's `result` of the kernel after both, times 1000, plus T1's
    /// own result; and the audit's findings.
    func bothOrders(_ prologue: @escaping (Kernel, KTask) async -> Void,
                    _ t0: @escaping (Kernel, KTask) async -> Void,
                    _ t1: @escaping (Kernel, KTask) async -> Int,
                    result: @escaping (Kernel) -> Int = { _ in 0 }) -> (Set<Int>, [String]) {
        var results = Set<Int>()
        var findings: [String] = []
        _ = explore(ExploreOptions(strategy: .dpor), testHash: 0,
                    isInteresting: { (_: Int) in false }) {
            let k = Kernel(config: KernelConfig(era: .v6_1), log: AccessLog(audit: true))
            var r1 = 0
            let plan = ExecutionPlan(
                prologue: { e in await prologue(k, KTask(exec: e, name: "init", cpu: 0, mm: nil)) },
                threads: [("T0", { e in
                              let t = KTask(exec: e, name: "T0", cpu: 0, mm: nil)
                              await t.step()
                              await t0(k, t)
                          }),
                          ("T1", { e in
                              let t = KTask(exec: e, name: "T1", cpu: 1, mm: nil)
                              await t.step()
                              r1 = await t1(k, t)
                          })],
                log: k.log)
            return (plan, { _ in
                results.insert(result(k) * 1000 + r1)
                findings += k.log.findings
                return 0
            })
        }
        return (results, findings)
    }

    /// The filesystem on a block device is shared state: a `mkfs` in one thread and a
    /// `mount` in another race (mount fails with -EINVAL when no filesystem is there yet),
    /// so DPOR must order the two steps both ways. Before mkfs recorded a write and mount
    /// a read of `Obj.blockDevice`, the steps did not conflict and only one order, one
    /// result, was explored.
    @Test func mkfsAndMountRaceBothWays() {
        let (results, findings) = bothOrders(
            { k, _ in k.addDisk(name: "sda", size: 64 << 20) },
            { k, _ in k.mkfs(device: k.blockDevice(named: "sda")!, .ext4) },
            { k, _ in k.mount(device: k.blockDevice(named: "sda")!, at: "/mnt", dax: false) })
        #expect(results == [0, -Errno.EINVAL])
        #expect(findings.isEmpty)
    }

    /// A mount in one thread changes which filesystem another thread's path resolves to
    /// (path lookup walks the mount table, fs/namei.c): creating /mnt/sub/g before the
    /// mount puts g on the filesystem at /mnt (hidden by the mount afterwards), after it
    /// on the new one. Both orders must be explored.
    @Test func mountAndPathLookupRaceBothWays() {
        let (results, findings) = bothOrders(
            { k, _ in
                k.addDisk(name: "sda", size: 64 << 20)
                k.addDisk(name: "sdb", size: 64 << 20)
                k.mkfs(device: 0, .ext4)
                k.mkfs(device: 1, .ext4)
                _ = k.mount(device: 0, at: "/mnt", dax: false)
            },
            { k, _ in _ = k.mount(device: 1, at: "/mnt/sub", dax: false) },
            { k, _ in k.createFile(path: "/mnt/sub/g", size: 4096, layout: .contiguous) },
            result: { k in k.files.inodes.all.last!.mount })
        #expect(results == [0, 1000])
        #expect(findings.isEmpty)
    }

    /// Looking a block device up by name (mkfs, mount, unbind name it) races with a
    /// `disk` that adds it: before, the name is unknown; after, it is found. Both orders
    /// must be explored (the device list was read unrecorded: one order only).
    @Test func diskAndDeviceLookupRaceBothWays() {
        let (results, findings) = bothOrders({ k, _ in k.addDisk(name: "sda", size: 64 << 20) },
                                             { k, _ in k.addDisk(name: "sdb", size: 64 << 20) },
                                             { k, _ in k.blockDevice(named: "sdb") ?? -1 })
        #expect(results == [-1, 1])
        #expect(findings.isEmpty)
    }

    /// Opening a path (inode lookup) races with a `file` in another thread creating it:
    /// before, -ENOENT; after, the new inode. The lookup finds no inode of that path,
    /// which the other's append changes: the inode array's length is a recorded object,
    /// so both orders are explored (reading it unrecorded explored one).
    @Test func createAndLookupOfOnePathRaceBothWays() {
        let (results, findings) = bothOrders(
            { k, _ in
                k.addDisk(name: "sda", size: 64 << 20)
                k.mkfs(device: 0, .ext4)
                _ = k.mount(device: 0, at: "/mnt", dax: false)
            },
            { k, _ in _ = k.createFile(path: "/mnt/f", size: 4096, layout: .contiguous) },
            { k, _ in k.inode(path: "/mnt/f")?.raw ?? -1 })
        #expect(results == [-1, 0])
        #expect(findings.isEmpty)
    }

    /// A walk over every process (truncate's and unbind's i_mmap walks, a lookup by name)
    /// races with a process being created in another thread: the lookup of "Q" finds it
    /// or not. The process table's length is a recorded object, so both orders are
    /// explored (read unrecorded, one was).
    @Test func processCreationAndWalkRaceBothWays() {
        let (results, findings) = bothOrders(
            { k, t in _ = await k.createProcess(t, name: "P") },
            { k, t in _ = await k.createProcess(t, name: "Q") },
            { k, _ in k.process(named: "Q")?.raw ?? -1 })
        #expect(results == [-1, 1])
        #expect(findings.isEmpty)
    }
}
