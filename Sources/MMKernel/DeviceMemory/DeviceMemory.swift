import MMExplore

/// Device memory of one execution: ZONE_DEVICE pagemaps (mm/memremap.c) and the pmem
/// namespaces that create them (drivers/nvdimm), reached through `Kernel.devices`.
public struct DeviceMemory {
    /// ZONE_DEVICE pagemaps, by index (struct page's `pgmap`).
    public internal(set) var pgmaps: TrackedArray<DevPagemap>
    /// pmem namespaces, by region number (Drivers/Pmem.swift): their geometry, fixed when
    /// the namespace is created (`Obj.pmemGeometry`). What changes later is apart, one
    /// object per field, so that a DMA checking freed blocks or a fault asking whether the
    /// driver is bound does not conflict with every change of the namespace:
    public internal(set) var pmems: TrackedArray<PmemNamespace>
    /// whether the driver is bound (`Obj.pmemNs`: probe and unbind write it,
    /// direct_access and device-dax's check_vma read it),
    public internal(set) var pmemBound: TrackedArray<Bool>
    /// the dev_pagemap while bound with a memmap (`Obj.pmemPgmap`),
    public internal(set) var pmemPgmap: TrackedArray<PgmapID?>
    /// the filesystem's next free data page, a bump allocator (`Obj.pmemAlloc`),
    public internal(set) var pmemNextFree: TrackedArray<Int>
    /// and the data pages (relative to `dataPfn`) the filesystem freed by truncate or punch,
    /// never handed out again (`Obj.pmemFreed`).
    public internal(set) var pmemFreed: TrackedArray<Set<Int>>

    /// No device memory yet.
    init(log: AccessLog) {
        pgmaps = TrackedArray(log: log, key: { Obj.pgmap(PgmapID($0)) },
                              others: [{ Obj.pgmapRef(PgmapID($0)) },
                                       { Obj.pgmapLive(PgmapID($0)) },
                                       { Obj.pgmapDone(PgmapID($0)) }])
        pmems = TrackedArray(log: log, key: { Obj.pmemGeometry(RegionID($0)) })
        pmemBound = TrackedArray(log: log, key: { Obj.pmemNs(RegionID($0)) })
        pmemPgmap = TrackedArray(log: log, key: { Obj.pmemPgmap(RegionID($0)) })
        pmemNextFree = TrackedArray(log: log, key: { Obj.pmemAlloc(RegionID($0)) })
        pmemFreed = TrackedArray(log: log, key: { Obj.pmemFreed(RegionID($0)) })
    }

    /// Adds a namespace, unbound, with nothing allocated or freed.
    mutating func addPmem(_ ns: PmemNamespace) {
        pmems.append(ns)
        pmemBound.append(false)
        pmemPgmap.append(nil)
        pmemNextFree.append(0)
        pmemFreed.append([])
    }
}
