import Testing
@testable import MMKernel

/// PCI P2PDMA memory mapped to user space (reference §11; seed 004).
@Suite struct P2PDMATests {
    func machine(_ era: Era, size: UInt64 = 2 << 20) async -> Machine {
        let m = await Machine(era)
        #expect(await m.kernel.p2pmemCreate(m.task, name: "p", size: size) == 0)
        return m
    }

    @Test func providerPagesAreZoneDeviceP2PDMA() async {
        let m = await machine(.v6_12)
        let p = m.kernel.drivers.p2pdma.providers[0]
        #expect(p.startPfn >= P2PDMAState.basePfn && m.kernel.memory.memmap.pfnValid(p.startPfn))
        let pg = m.kernel.page(p.startPfn)
        #expect(pg.flags.contains(.zoneDevice) && m.kernel.devices.pgmaps[Int(pg.pgmap)].type
                == .pciP2PDMA)
        #expect(pg.refcount == 1)  // 6.x: P2PDMA pages idle at 1
    }

    @Test func mmapInsertsNormalRefcountedPtesInAMixedmapVma() async {
        let m = await machine(.v6_12)
        let a = await m.map(.p2pmem(provider: 0), 64 << 10, shared: true)
        let o = m.observe(a + 4096)
        #expect(o.level == "pte" && o.normal && !o.special && !o.devmap && o.writable)
        #expect(o.smaps.vmFlags == "rd wr sh mr mw ms sd mm")
        #expect(o.smaps.rss == 64 && o.pagemap.file && o.pagemap.present)
        let pfn = m.kernel.drivers.p2pdma.providers[0].startPfn + 1
        #expect(m.kernel.page(pfn).refcount == 1 && m.kernel.page(pfn).mapcount == 1)
        // The pgmap holds its base, per-pfn and one reference per mapped page.
        let pg = m.kernel.drivers.p2pdma.providers[0].pgmap
        #expect(m.kernel.devices.pgmaps[pg].refs == 1 + 512 + 16)
        #expect(m.kernel.violations.isEmpty)
    }

    @Test func lastPutReturnsThePageToTheGenpool() async {
        let m = await machine(.v6_12, size: 16 << 10)
        let a = await m.map(.p2pmem(provider: 0), 16 << 10, shared: true)
        #expect(m.kernel.drivers.p2pdma.providers[0].allocated == [true, true, true, true])
        #expect(await m.kernel.munmap(m.task, mm: m.mm, a, 16 << 10) == 0)
        #expect(m.kernel.drivers.p2pdma.providers[0].allocated == [false, false, false, false])
        let pfn = m.kernel.drivers.p2pdma.providers[0].startPfn
        #expect(m.kernel.page(pfn).refcount == 1)  // reset to the idle count
        #expect(m.kernel.devices.pgmaps[m.kernel.drivers.p2pdma.providers[0].pgmap].refs == 1 + 4)
    }

    @Test func v7SetsTheCountToOneAndIdlesAtZero() async {
        let m = await machine(.v7_2, size: 8192)
        let pfn = m.kernel.drivers.p2pdma.providers[0].startPfn
        #expect(m.kernel.page(pfn).refcount == 0)
        let a = await m.map(.p2pmem(provider: 0), 8192, shared: true)
        #expect(m.kernel.page(pfn).refcount == 1 && m.observe(a).normal)
        _ = await m.kernel.munmap(m.task, mm: m.mm, a, 8192)
        #expect(m.kernel.page(pfn).refcount == 0
                && !m.kernel.drivers.p2pdma.providers[0].allocated[0])
    }

    @Test func mmapRules() async {
        let m = await machine(.v6_12, size: 8192)
        var req = MmapRequest(target: .p2pmem(provider: 0), length: 8192)
        #expect(await m.kernel.mmap(m.task, mm: m.mm, req) == -Int64(Errno.EINVAL))
        req.shared = true
        req.offset = 4096
        #expect(await m.kernel.mmap(m.task, mm: m.mm, req) == -Int64(Errno.EINVAL))
        req.offset = 0
        req.length = 3 * 4096
        #expect(await m.kernel.mmap(m.task, mm: m.mm, req) == -Int64(Errno.ENOMEM))
        let old = await machine(.v6_1)
        req.length = 4096
        #expect(await old.kernel.mmap(old.task, mm: old.mm, req) == -Int64(Errno.ENOENT))
        let ancient = await Machine(.v4_4)
        #expect(await ancient.kernel.p2pmemCreate(ancient.task, name: "p", size: 8192)
                == -Errno.ENODEV)
    }

    @Test func vmInsertPageBugsOnAPfnmapVma() async {
        let m = await machine(.v6_12)
        var vma = VMA(start: alignedBase, end: alignedBase + 4096,
                      flags: [.read, .write, .shared, .mayShare, .pfnMap], pgoff: 0,
                      backing: .p2pmem(provider: 0))
        let pfn = m.kernel.drivers.p2pdma.providers[0].startPfn
        #expect(await m.kernel.vmInsertPage(m.task, mm: m.mm, &vma, alignedBase, pfn: pfn)
                == -Errno.EINVAL)
        #expect(m.kernel.violations.map(\.kind) == [.bugOn])
        vma.flags.remove(.pfnMap)
        #expect(await m.kernel.vmInsertPage(m.task, mm: m.mm, &vma, alignedBase + 4096, pfn: pfn)
                == -Errno.EFAULT)
        #expect(await m.kernel.vmInsertPage(m.task, mm: m.mm, &vma, alignedBase, pfn: pfn) == 0)
        #expect(vma.flags.contains(.mixedMap))
    }

    @Test func providerRemovalZapsMappingsAndRemovesTheMemmap() async {
        let m = await machine(.v6_12, size: 8192)
        let a = await m.map(.p2pmem(provider: 0), 8192, shared: true)
        let pfn = m.kernel.drivers.p2pdma.providers[0].startPfn
        #expect(await m.kernel.p2pmemFree(m.task, name: "p") == 0)
        #expect(m.observe(a).level == "none" && !m.kernel.memory.memmap.pfnValid(pfn))
        #expect(m.kernel.devices.pgmaps[m.kernel.drivers.p2pdma.providers[0].pgmap].removed)
        #expect(await m.kernel.touch(m.task, a, 4096, write: false) == .sigbus)
        var req = MmapRequest(target: .p2pmem(provider: 0), length: 4096)
        req.shared = true
        #expect(await m.kernel.mmap(m.task, mm: m.mm, req) == -Int64(Errno.ENOENT))
        #expect(m.kernel.violations.isEmpty)
    }
}
