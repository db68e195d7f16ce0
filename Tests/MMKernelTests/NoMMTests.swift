import Testing
@testable import MMKernel

/// What the kernel API does for a task without an mm (a failed fork leaves none): fork
/// reports the failure, and the entry points that used `t.mm!` answer instead of trapping.
@Suite struct NoMMTests {
    /// With every free frame held, dup_mm() cannot allocate the child's pgd: fork fails
    /// (the scenario layer turns that into -ENOMEM) and no process is added.
    @Test func forkWithoutMemoryFails() async {
        let m = await Machine(.v6_1)
        let before = m.kernel.mms.count
        _ = await m.kernel.harnessAlloc(m.task, Kernel.ramPfns)
        #expect(await m.kernel.fork(m.task, mm: m.mm) == nil)
        #expect(m.kernel.mms.count == before)
    }

    /// Direct I/O from a task without an mm has no user buffer to pin: -EFAULT.
    @Test func directIOWithoutAnMMIsEFAULT() async {
        let kernel = Kernel(config: KernelConfig(era: .v6_1))
        kernel.addDisk(name: "sda", size: 1 << 20)
        let t = KTask.detached()
        let r = await kernel.directIO(t, read: true, store: .device(0), buffer: 0x10000,
                                      len: 4096, offset: 0)
        #expect(r == -Errno.EFAULT)
    }
}
