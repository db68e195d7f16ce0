import MMExplore

/// The kernel's view of a running thread (`current` and its CPU): which process it runs
/// in, whether its CPU has IRQs off, which locks it holds. Model code receives one and
/// passes it down, as kernel code uses `current`.
public final class KTask {
    /// The explorer's handle: scheduling points go through it.
    public let exec: ExecThread
    /// The scenario's name for the thread ("T0", "init", "dma0").
    public let name: String
    /// The simulated CPU the thread runs on.
    public let cpu: Int
    /// The process context (MM id), or nil for a kernel thread.
    @exclusivity(unchecked) public var mm: MMID?
    /// local_irq_save() depth: IRQs are off while > 0.
    @exclusivity(unchecked) public var irqsOffDepth = 0
    /// Spinlocks held (lock object raw ids), for sleep-in-atomic checks.
    @exclusivity(unchecked) public var spinlocksHeld = 0
    /// VM_FAULT_WRITE of the last fault this task handled: do_wp_page reused or copied
    /// the page (faultin_page reads it; task-local, not shared state).
    @exclusivity(unchecked) var faultBrokeCow = false
    /// PF_MEMALLOC_PIN (memalloc_pin_save(), v5.13): allocations leave ZONE_MOVABLE alone.
    @exclusivity(unchecked) public var memallocPin = false
    /// The lock this task took last and the step it took it in (`ExecThread.stepSerial`):
    /// a release in that same step leaves the lock word as the step found it.
    @exclusivity(unchecked) var lastAcquire: (lock: LockID, step: UInt64)?
    /// Locks held per lockdep class (`LockClass` raw value), for lock-order checks.
    @exclusivity(unchecked) var heldCounts: [UInt16] = Array(repeating: 0,
                                                             count: LockClass.allCases.count)

    /// The lockdep classes held, one bit per class.
    var heldClasses: UInt32 {
        var m: UInt32 = 0
        for (c, n) in heldCounts.enumerated() where n > 0 { m |= 1 << UInt32(c) }
        return m
    }

    /// Creates the task of a scenario thread.
    public init(exec: ExecThread, name: String, cpu: Int, mm: MMID?) {
        self.exec = exec
        self.name = name
        self.cpu = cpu
        self.mm = mm
    }

    /// A task for running model code outside any exploration (unit tests).
    public static func detached(name: String = "T0", cpu: Int = 0, mm: MMID? = nil) -> KTask {
        KTask(exec: .detached(name: name), name: name, cpu: cpu, mm: mm)
    }

    /// A scheduling point: another CPU may run before the step that follows. What the
    /// step touches is recorded by the instrumented state it uses.
    @inline(__always) func step() async {
        await exec.step()
    }
}
