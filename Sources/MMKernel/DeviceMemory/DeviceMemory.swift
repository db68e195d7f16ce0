import MMExplore

/// Device memory of one execution: ZONE_DEVICE pagemaps (mm/memremap.c) and the pmem
/// namespaces that create them (drivers/nvdimm), reached through `Kernel.devices`.
public struct DeviceMemory {
    /// ZONE_DEVICE pagemaps, by index (struct page's `pgmap`).
    public internal(set) var pgmaps: TrackedArray<DevPagemap>
    /// pmem namespaces, by region number (Drivers/Pmem.swift).
    public internal(set) var pmems: TrackedArray<PmemNamespace>

    /// No device memory yet.
    init(log: AccessLog) {
        pgmaps = TrackedArray(log: log, key: Obj.pgmap,
                              others: [Obj.pgmapRef, Obj.pgmapLive, Obj.pgmapDone])
        pmems = TrackedArray(log: log, key: Obj.pmemNs)
    }
}
