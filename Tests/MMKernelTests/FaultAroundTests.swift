import Testing
@testable import MMKernel

/// Fault-around (do_fault_around → filemap_map_pages) and the page cache a written file
/// leaves behind, against the oracle records of file-private-cow and file-shared (every
/// kernel: one read fault on a cached 64K file makes Rss 64 kB).
@Suite struct FaultAroundTests {
    /// A machine with a 64K (or `size`) ext4 file on a disk; cached unless `cached` is false.
    func machine(size: UInt64 = 64 << 10, cached: Bool = true,
                 _ overrides: [(knob: Knob, on: Bool)] = []) async -> Machine {
        let m = await Machine(.v6_1, overrides)
        m.kernel.addDisk(name: "sda", size: 256 << 20)
        m.kernel.mkfs(device: 0, .ext4)
        #expect(m.kernel.mount(device: 0, at: "/mnt", dax: false) == 0)
        #expect(m.kernel.createFile(path: "/mnt/f", size: size, layout: .contiguous) == 0)
        if cached { #expect(await m.kernel.writeFileThroughCache(m.task, inode: InodeID(0)) == 0) }
        return m
    }

    @Test func oneReadFaultMapsTheCachedWindow() async {
        // oracle file-private-cow T0:2: Rss 64 after `load a` of a 64K private mapping.
        let m = await machine()
        let a = await m.map(.file(inode: InodeID(0)), 64 << 10)
        #expect((try? await m.kernel.load(m.task, a).get()) == 0)
        let o = m.observe(a + (60 << 10))
        #expect(o.smaps.rss == 64 && o.smaps.anonymous == 0)
        #expect(o.level == "pte" && o.pagemap.file && !o.writable)
    }

    @Test func aWriteFaultDoesNotFaultAround() async {
        // do_cow_fault() and do_shared_fault() map the one page only.
        let m = await machine()
        let a = await m.map(.file(inode: InodeID(0)), 64 << 10, shared: true)
        #expect(await m.kernel.store(m.task, a + 8, 3) == nil)
        #expect(m.observe(a).smaps.rss == 4)
    }

    @Test func aMissReadsAroundAndRetries() async {
        // oracle file-readahead s1..s3 (6.1): the miss reads 32 pages around the index
        // (cut at EOF: 16), marks page 16 - 8 PG_readahead and retries; the retry's
        // fault-around maps everything but the marker, whose own fault maps it.
        let m = await machine(cached: false)
        let a = await m.map(.file(inode: InodeID(0)), 64 << 10, at: alignedBase)
        _ = try? await m.kernel.load(m.task, a).get()
        #expect(m.observe(a).smaps.rss == 60)
        #expect(!m.observe(a + (8 << 12)).pagemap.present)
        _ = try? await m.kernel.load(m.task, a + (8 << 12)).get()
        #expect(m.observe(a).smaps.rss == 64)
    }

    @Test func theMarkerStartsTheNextWindow() async {
        // oracle file-readahead b1..b5 (6.1): a 1M file, read-around [0, 32) with its
        // marker at 24; the fault on 24 reads [32, 64) (marker 32) and retries.
        let m = await machine(size: 1 << 20, cached: false)
        let b = await m.map(.file(inode: InodeID(0)), 1 << 20, shared: true, at: alignedBase)
        _ = try? await m.kernel.load(m.task, b).get()
        #expect(m.observe(b).smaps.rss == 64)
        _ = try? await m.kernel.load(m.task, b + (24 << 12)).get()
        #expect(m.observe(b).smaps.rss == 128)
        _ = try? await m.kernel.load(m.task, b + (40 << 12)).get()
        // [32, 48) but the new marker at 32.
        #expect(m.observe(b).smaps.rss == 188)
        #expect(!m.observe(b + (32 << 12)).pagemap.present)
    }

    @Test func knobOffMapsOnePage() async {
        let m = await machine([(knob: .faultAround, on: false)])
        let a = await m.map(.file(inode: InodeID(0)), 64 << 10)
        _ = try? await m.kernel.load(m.task, a).get()
        #expect(m.observe(a).smaps.rss == 4)
    }

    @Test func theWindowIsClippedToTheVmaAndEOF() async {
        // 16 pages from the 64K-aligned address below the fault or from vm_start if that
        // is higher, never past i_size.
        let m = await machine(size: 40 << 10)
        let a = await m.map(.file(inode: InodeID(0)), 64 << 10, shared: true,
                            at: alignedBase + (16 << 10))
        _ = try? await m.kernel.load(m.task, a + (4 << 10)).get()
        // The window starts at vm_start = a and is cut at EOF = a+40K: 10 pages.
        #expect(m.observe(a).smaps.rss == 40)
        #expect(!m.observe(a + (40 << 10)).pagemap.present)
    }

    @Test func aWindowClampedToVmStartStillSpans16Pages() async {
        // do_fault_around() counts nr_pages from the clamped start (6.1: start_pgoff +
        // nr_pages - 1), so a mapping 4 pages past a 64K boundary maps 16 pages, not the
        // 12 left in its aligned block. Oracle file-readahead probe (6.1): a vma starting
        // 9 pages into a 64K block had pages 0..15 present after its first fault.
        let m = await machine()
        let a = await m.map(.file(inode: InodeID(0)), 64 << 10, shared: true,
                            at: alignedBase + (16 << 10))
        _ = try? await m.kernel.load(m.task, a + (4 << 10)).get()
        #expect(m.observe(a).smaps.rss == 64)
        #expect(m.observe(a + (60 << 10)).pagemap.present)
    }
}
