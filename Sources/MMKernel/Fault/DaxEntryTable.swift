import MMExplore

/// What each era writes into a page table for a kind of device mapping, produced by
/// running the model (not typed by hand): `mmsim entries` prints the table. A probe boots
/// a kernel of the era, sets the mapping up through the ordinary entry points (pmem,
/// mkfs, mount -o dax, mmap, a user write) and reads the leaf entry back. Other mechanisms
/// add their probes as further `EntryProbe` lists (see Sources/mmsim/Entries.swift).
public struct EntryProbe: Sendable {
    /// The row's name ("fs-dax PTE").
    public let name: String
    /// Sets the mapping up in `kernel` as task `t` and returns the user address to read.
    public let run: @Sendable (Kernel, KTask) async -> UInt64?

    /// A probe called `name`.
    public init(name: String, run: @escaping @Sendable (Kernel, KTask) async -> UInt64?) {
        self.name = name
        self.run = run
    }

    /// The leaf entry the probe's mapping has in `era` (0 when the set-up failed), and its
    /// description in the era's layout. Runs one sequential execution.
    public func entry(in era: Era) -> (value: UInt64, text: String) {
        let kernel = Kernel(config: KernelConfig(era: era))
        nonisolated(unsafe) var value: UInt64 = 0
        let run = self.run
        let plan = ExecutionPlan(threads: [(name: "T0", body: { exec in
            let t = KTask(exec: exec, name: "T0", cpu: 0, mm: nil)
            guard let mm = await kernel.createProcess(t, name: "P") else { return }
            t.mm = mm
            guard let addr = await run(kernel, t) else { return }
            value = kernel.walkSnapshot(mm: mm, addr).entry
        })])
        _ = explore(ExploreOptions(strategy: .sequential), testHash: 0,
                    isInteresting: { (_: Int) in false }, make: { (plan, { _ in 0 }) })
        return (value, value == 0 ? "(no such mapping in this era)" : kernel.layout.describe(value))
    }

    /// A 4M shared mapping of a written fs-dax file on a 2M-aligned pmem namespace, at
    /// `misalign` bytes past a 2M boundary; a write to its first page.
    static func fsDax(_ t: KTask, _ k: Kernel, misalign: UInt64) async -> UInt64? {
        guard await k.addPmem(t, name: "pmem0", size: 512 << 20, mode: .fsdax, map: nil,
                              align: nil) == 0 else { return nil }
        k.mkfs(device: 0, .ext4)
        guard k.mountDax(device: 0, at: "/mnt") == 0,
              k.createFileWithBlocks(path: "/mnt/f", size: 4 << 20, layout: .contiguous) == 0,
              let ino = k.inode(path: "/mnt/f") else { return nil }
        var req = MmapRequest(target: .file(inode: ino), length: 4 << 20)
        req.shared = true
        req.placement = .at(0x7f00_0000_0000 + misalign)
        guard let mm = t.mm else { return nil }
        let a = await k.mmap(t, mm: mm, req)
        guard a > 0 else { return nil }
        guard await k.store(t, UInt64(a), 1) == nil else { return nil }
        return UInt64(a)
    }

    /// The DAX and remap_pfn_range rows.
    public static let dax: [EntryProbe] = [
        EntryProbe(name: "fs-dax PTE (misaligned mapping, write)") { k, t in
            await fsDax(t, k, misalign: 4096)
        },
        EntryProbe(name: "fs-dax PMD (write)") { k, t in await fsDax(t, k, misalign: 0) },
        EntryProbe(name: "device-dax PMD (align 2M, write)") { k, t in
            guard await k.addPmem(t, name: "pmem0", size: 512 << 20, mode: .devdax, map: nil,
                                  align: PMD_SIZE) == 0 else { return nil }
            var req = MmapRequest(target: .devDax(region: RegionID(0)), length: 4 << 20)
            req.shared = true
            guard let mm = t.mm else { return nil }
            let a = await k.mmap(t, mm: mm, req)
            guard a > 0, await k.store(t, UInt64(a), 1) == nil else { return nil }
            return UInt64(a)
        },
        EntryProbe(name: "remap_pfn_range PTE (/dev/mem 0xA0000)") { k, t in
            var req = MmapRequest(target: .devMem, length: 4096)
            req.shared = true
            req.offset = 0xA0000
            guard let mm = t.mm else { return nil }
            let a = await k.mmap(t, mm: mm, req)
            return a > 0 ? UInt64(a) : nil
        },
    ]
}
