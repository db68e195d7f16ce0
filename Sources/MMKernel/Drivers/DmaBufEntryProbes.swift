/// Rows of `mmsim entries` for the driver mappings: what each era writes for a dma-buf
/// mapping of a TTM BO and for a P2PDMA mapping (see Fault/DaxEntryTable.swift).
extension EntryProbe {
    /// A 4M shared mapping of a 4M system-memory dma-buf at a 2M boundary, read once.
    static func ttm(_ t: KTask, _ k: Kernel, huge: Bool) async -> UInt64? {
        guard await k.dmabufCreate(t, name: "bo", size: 4 << 20, placement: .system,
                                   huge: huge) == 0 else { return nil }
        var req = MmapRequest(target: .dmabuf(bo: 0), length: 4 << 20)
        req.shared = true
        req.placement = .at(0x7f00_0000_0000)
        guard let mm = t.mm else { return nil }
        let a = await k.mmap(t, mm: mm, req)
        guard a > 0, case .success = await k.load(t, UInt64(a)) else { return nil }
        return UInt64(a)
    }

    /// The dma-buf/TTM and P2PDMA rows.
    public static let drivers: [EntryProbe] = [
        EntryProbe(name: "TTM huge BO read (a PMD in eras with "
                   + "ttm_bo_vm_insert_huge, else PTE)") { k, t in
            await ttm(t, k, huge: true)
        },
        EntryProbe(name: "TTM PTE (system BO, dma-buf mmap, read)") { k, t in
            await ttm(t, k, huge: false)
        },
        EntryProbe(name: "P2PDMA PTE (p2pmem/allocate mmap)") { k, t in
            guard await k.p2pmemCreate(t, name: "p", size: 2 << 20) == 0 else { return nil }
            var req = MmapRequest(target: .p2pmem(provider: 0), length: 64 << 10)
            req.shared = true
            guard let mm = t.mm else { return nil }
            let a = await k.mmap(t, mm: mm, req)
            return a > 0 ? UInt64(a) : nil
        },
    ]
}
