import MMExplore
@testable import MMKernel

/// A booted kernel with one process, driven by a detached task (no exploration).
struct Machine {
    let kernel: Kernel
    let task: KTask
    var mm: MMID { task.mm! }

    init(_ era: Era, _ overrides: [(knob: Knob, on: Bool)] = []) async {
        kernel = Kernel(config: KernelConfig(era: era, overrides: overrides))
        task = KTask.detached()
        task.mm = await kernel.createProcess(task, name: "P")!
    }

    /// mmap that must succeed.
    func map(_ target: MapTarget = .anon, _ len: UInt64, shared: Bool = false,
             write: Bool = true, at: UInt64? = nil, populate: Bool = false,
             offset: UInt64 = 0) async -> UInt64 {
        var req = MmapRequest(target: target, length: len)
        req.shared = shared
        req.write = write
        req.populate = populate
        req.offset = offset
        if let at { req.placement = .at(at) }
        let r = await kernel.mmap(task, mm: mm, req)
        precondition(r > 0, "mmap failed: \(r)")
        return UInt64(r)
    }

    func observe(_ addr: UInt64) -> Observation { kernel.observe(mm: mm, addr) }
}

/// 2 MiB-aligned address used where a test needs a PMD-aligned mapping.
let alignedBase: UInt64 = 0x7f19_bd40_0000
