import Testing
@testable import MMKernel

/// Page-cache files and /dev/mem, against the 6.1 oracle (targets "pagecache", "devmem").
@Suite struct FileAndDevMemTests {
    func machineWithFile(_ era: Era = .v6_1) async -> Machine {
        let m = await Machine(era)
        m.kernel.addDisk(name: "sda", size: 1 << 30)
        m.kernel.mkfs(device: 0, .ext4)
        #expect(m.kernel.mount(device: 0, at: "/mnt", dax: false) == 0)
        #expect(m.kernel.createFile(path: "/mnt/f", size: 4 << 20, layout: .contiguous) == 0)
        return m
    }

    @Test func sharedFileReadTouch() async {
        // oracle smaps:after_read_touch (pagecache): Rss 4096, VmFlags rd wr sh mr mw me ms sd
        let m = await machineWithFile()
        let a = await m.map(.file(inode: InodeID(0)), 4 << 20, shared: true, at: alignedBase)
        #expect(await m.kernel.touch(m.task, a, 4 << 20, write: false) == nil)
        let o = m.observe(a)
        #expect(o.smaps.rss == 4096 && o.smaps.anonymous == 0 && o.smaps.filePmdMapped == 0)
        #expect(o.smaps.vmFlags == "rd wr sh mr mw me ms sd")
        #expect(o.level == "pte" && o.normal && !o.writable)
        #expect(o.pagemap.file)
    }

    @Test func sharedFileWriteMakesPteWritable() async {
        let m = await machineWithFile()
        let a = await m.map(.file(inode: InodeID(0)), 4 << 20, shared: true)
        _ = await m.kernel.touch(m.task, a, 4096, write: false)
        #expect(await m.kernel.store(m.task, a, 7) == nil)
        #expect(m.observe(a).writable)
        // A second mapping of the same file sees the store: one page-cache page.
        let b = await m.map(.file(inode: InodeID(0)), 4 << 20, shared: true)
        #expect((try? await m.kernel.load(m.task, b).get()) == 7)
    }

    @Test func privateFileWriteCopiesFirstHalf() async {
        // oracle smaps:private_after_write_first2m: Rss 4096, Anonymous 2048, VmFlags ac.
        let m = await machineWithFile()
        let a = await m.map(.file(inode: InodeID(0)), 4 << 20, at: alignedBase)
        _ = await m.kernel.touch(m.task, a, 4 << 20, write: false)
        _ = await m.kernel.touch(m.task, a, 2 << 20, write: true)
        let o = m.observe(a)
        #expect(o.smaps.rss == 4096 && o.smaps.anonymous == 2048)
        #expect(o.smaps.vmFlags == "rd wr mr mw me ac sd")
    }

    @Test func filesMustFitOnTheirDevice() async {
        // The blocks of a `file` are allocated (fallocate): a file larger than what is
        // left on the device fails with -ENOSPC, as fallocate does.
        let m = await machineWithFile()
        #expect(m.kernel.createFile(path: "/mnt/big", size: 2 << 30, layout: .contiguous)
                == -Errno.ENOSPC)
        #expect(m.kernel.createFile(path: "/mnt/fits", size: 1 << 20, layout: .contiguous) == 0)
    }

    @Test func accessBeyondEOFIsSIGBUS() async {
        let m = await machineWithFile()
        let a = await m.map(.file(inode: InodeID(0)), 8 << 20, shared: true)
        #expect(await m.kernel.touch(m.task, a + (4 << 20), 4096, write: false) == .sigbus)
    }

    @Test func devMemIsPfnMapWithSpecialPtes() async {
        // oracle devmem: VmFlags rd wr sh mr mw me ms pf io de ar dd sd, Rss 0, pagemap
        // present 0 after touches.
        let m = await Machine(.v6_1)
        let a = await m.map(.devMem, 128 << 10, shared: true, offset: 0xA0000)
        #expect(await m.kernel.touch(m.task, a, 128 << 10, write: true) == nil)
        let o = m.observe(a)
        #expect(o.smaps.vmFlags == "rd wr sh mr mw me ms pf io de ar dd sd")
        #expect(o.smaps.rss == 0)
        #expect(!o.pagemap.present)
        #expect(o.level == "pte" && o.special && !o.normal)
        #expect(m.kernel.layout.pfn(o.entry) == Pfn(0xA0))
    }

    @Test func v7DevMemHasNoVmPat() async {
        // oracle 7.2 devmem: "mm: remove VM_PAT" (v6.17) leaves `ar` out of VmFlags.
        let m = await Machine(.v7_2)
        let a = await m.map(.devMem, 128 << 10, shared: true, offset: 0xA0000)
        #expect(m.observe(a).smaps.vmFlags == "rd wr sh mr mw me ms pf io de dd sd")
    }

    @Test func packetRingIsMixedMapAndNoexecOnV7() async {
        // oracle mixedmap-packet-ring: vm_insert_page sets VM_MIXEDMAP (`mm`); 7.2's
        // init_pseudo() makes sockfs SB_I_NOEXEC, so `me` is gone there.
        for (era, flags) in [(Era.v6_12, "rd wr sh mr mw me ms sd mm"),
                             (.v7_2, "rd wr sh mr mw ms sd mm")] {
            let m = await Machine(era)
            let a = await m.map(.packetRing, 64 << 10, shared: true)
            let o = m.observe(a + (60 << 10))
            #expect(o.smaps.vmFlags == flags && o.smaps.rss == 64 && o.normal && o.pagemap.file)
        }
    }

    @Test func devMemOfRamIsRefused() async {
        let m = await Machine(.v6_1)
        var req = MmapRequest(target: .devMem, length: 4096)
        req.shared = true
        req.offset = 0x1000_0000
        #expect(await m.kernel.mmap(m.task, mm: m.mm, req) == -Int64(Errno.EPERM))
    }

    @Test func privateDevMemCowCopyIsNormalByLinearity() async {
        // §2.1 step 3: without pte_special, a PFNMAP entry equal to vm_pgoff + offset is
        // the original pfn (special); a COW copy in a private mapping is normal.
        for special in [true, false] {
            let m = await Machine(.v6_1, [(.pteSpecial, special)])
            let a = await m.map(.devMem, 8192, offset: 0xA0000)
            let before = m.observe(a + 4096)
            #expect(!before.normal)
            #expect(before.special == special)
            #expect(await m.kernel.store(m.task, a, 1) == nil)
            let after = m.observe(a)
            #expect(after.normal && !after.special && after.writable)
            #expect(m.kernel.layout.pfn(after.entry) != Pfn(0xA0))
            #expect(m.observe(a + 4096).normal == false)
        }
    }

    @Test func sharedPfnMapWithoutSpecialIsSpecialByLinearity() async {
        let m = await Machine(.v6_1, [(.pteSpecial, false)])
        let a = await m.map(.devMem, 4096, shared: true, offset: 0xA0000)
        let o = m.observe(a)
        #expect(!o.special && !o.normal)
    }

    @Test func madvisePopulateOnPfnMapIsEINVAL() async {
        // oracle GUP matrix: MADV_POPULATE_READ/WRITE on /dev/mem → EINVAL.
        let m = await Machine(.v6_1)
        let a = await m.map(.devMem, 8192, shared: true, offset: 0xA0000)
        #expect(await m.kernel.madvise(m.task, mm: m.mm, a, 8192, .populateRead) == -Errno.EINVAL)
        #expect(await m.kernel.madvise(m.task, mm: m.mm, a, 8192, .populateWrite) == -Errno.EINVAL)
        #expect(await m.kernel.madvise(m.task, mm: m.mm, a, 8192, .dontneed) == -Errno.EINVAL)
    }

    @Test func exitLeavesOnlyPageCacheReferences() async {
        let m = await machineWithFile()
        let a = await m.map(.file(inode: InodeID(0)), 4 << 20, shared: true)
        _ = await m.kernel.touch(m.task, a, 4 << 20, write: true)
        await m.kernel.exitMMap(m.task, mm: m.mm)
        m.kernel.auditReferences()
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }
}
