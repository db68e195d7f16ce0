import MMExplore
import Testing
@testable import MMKernel

/// FOLL_FORCE writes through /proc/PID/mem (mem_write → get_user_pages_remote with
/// FOLL_FORCE|FOLL_WRITE) into private read-only mappings, and the COW rules of each era:
/// "mm: remove gup_flags FOLL_WRITE games from __get_user_pages()" (v4.9, CVE-2016-5195)
/// and "mm/gup: fix FOLL_FORCE COW security issue and remove FOLL_COW" (v6.0).
@Suite struct ForceWriteTests {
    /// A machine with a cached 4K ext4 file (inode 0) holding zeroes.
    static func fileMachine(_ era: Era, _ overrides: [(knob: Knob, on: Bool)] = []) async
        -> Machine
    {
        let m = await Machine(era, overrides)
        m.kernel.addDisk(name: "sda", size: 64 << 20)
        m.kernel.mkfs(device: 0, .ext4)
        _ = m.kernel.mount(device: 0, at: "/mnt", dax: false)
        _ = m.kernel.createFile(path: "/mnt/f", size: 4096, layout: .contiguous)
        _ = await m.kernel.writeFileThroughCache(m.task, inode: InodeID(0))
        return m
    }

    /// Every era: the poke lands in a private anonymous copy, mapped read-only (no
    /// VM_WRITE: maybe_mkwrite), which the process reads; the file keeps its contents.
    @Test(arguments: Era.allCases) func pokeIntoAPrivateFileMappingCopies(era: Era) async {
        let m = await Self.fileMachine(era)
        let a = await m.map(.file(inode: InodeID(0)), 4096, write: false)
        let f = await m.map(.file(inode: InodeID(0)), 4096, shared: true, write: false)
        #expect(await m.kernel.memWrite(m.task, remote: m.mm, a + 16, 9) == 8)
        let o = m.observe(a)
        #expect(o.level == "pte" && !o.writable && !o.pagemap.file)
        #expect((try? await m.kernel.load(m.task, a + 16).get()) == 9)
        #expect((try? await m.kernel.load(m.task, f + 16).get()) == 0)
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    /// A poke into a read-only anonymous mapping (read-faulted: the zero page) gets a
    /// private page of its own in every era; a shared read-only mapping is refused
    /// (check_vma_flags: FOLL_FORCE writes only COW mappings).
    @Test(arguments: Era.allCases) func pokeIntoReadOnlyAnonAndSharedFile(era: Era) async {
        let m = await Self.fileMachine(era, [(.thpAlways, false)])
        let a = await m.map(.anon, 4096, write: false)
        #expect((try? await m.kernel.load(m.task, a).get()) == 0)
        #expect(await m.kernel.memWrite(m.task, remote: m.mm, a, 5) == 8)
        #expect((try? await m.kernel.load(m.task, a).get()) == 5)
        #expect(m.observe(a).pagemap.pfn != m.kernel.memory.zeroPfn)
        let f = await m.map(.file(inode: InodeID(0)), 4096, shared: true, write: false)
        #expect(await m.kernel.memWrite(m.task, remote: m.mm, f, 5) == -Errno.EIO)
        #expect(m.kernel.violations.isEmpty, "\(m.kernel.violations)")
    }

    /// Dirty COW: MADV_DONTNEED between the COW fault and the retry. Without the v4.9 fix
    /// the retry has dropped FOLL_WRITE and takes the page-cache page (cow-bypass); with
    /// FOLL_COW and the dirty-PTE check it faults again and writes a new copy.
    @Test(arguments: [false, true]) func dirtyCowNeedsTheRetryToKeepWrite(fix: Bool) {
        let config = KernelConfig(era: .v5_10, overrides: [(.gupCowRetryKeepsWrite, fix)])
        let r = ConcurrencyTests.exploreAll(config, cpus: [0, 1], setup: { k, t in
            k.addDisk(name: "sda", size: 64 << 20)
            k.mkfs(device: 0, .ext4)
            _ = k.mount(device: 0, at: "/mnt", dax: false)
            _ = k.createFile(path: "/mnt/f", size: 4096, layout: .contiguous)
            _ = await k.writeFileThroughCache(t, inode: InodeID(0))
            var req = MmapRequest(target: .file(inode: InodeID(0)), length: 4096)
            req.write = false
            req.placement = .at(alignedBase)
            _ = await k.mmap(t, mm: t.mm!, req)
        }, threads: [
            { k, t in _ = await k.memWrite(t, remote: t.mm!, alignedBase, 9) },
            { k, t in _ = await k.madvise(t, mm: t.mm!, alignedBase, 4096, .dontneed) },
        ], check: { k in !k.violations.contains { $0.kind == .cowBypass } })
        #expect(r.executions > 1)
        #expect(r.allHold == fix)
    }

    /// can_follow_write_pte: v4.9–v5.19 trust FOLL_COW and a dirty PTE, so a dirty
    /// read-only PTE of a page-cache page is followed for writing (what UFFDIO_CONTINUE on
    /// shmem produced, CVE-2022-2590); from v6.0 only an exclusive anonymous page is.
    @Test func followWriteRulePerEra() async {
        for era in [Era.v5_10, .v6_1] {
            let m = await Self.fileMachine(era)
            let a = await m.map(.file(inode: InodeID(0)), 4096, write: false)
            _ = try? await m.kernel.load(m.task, a).get()
            let vma = m.kernel.mm(m.mm).vmas[m.kernel.mm(m.mm).vmaContaining(a)!]
            let cached = m.observe(a)
            let dirty = cached.entry | PTEBits.dirty
            let forced: FollFlags = [.write, .force, .cow]
            let followed = m.kernel.canFollowWrite(vma, dirty, cached.pagemap.pfn, forced)
            #expect(followed == (era == .v5_10))
            #expect(!m.kernel.canFollowWrite(vma, dirty, cached.pagemap.pfn, [.write, .cow]))
            #expect(await m.kernel.memWrite(m.task, remote: m.mm, a, 1) == 8)
            let copy = m.observe(a)
            #expect(m.kernel.page(copy.pagemap.pfn).flags.contains(.anonExclusive))
            #expect(m.kernel.canFollowWrite(vma, copy.entry & ~PTEBits.dirty, copy.pagemap.pfn,
                                            [.write, .force]) == (era == .v6_1))
        }
    }

    /// The knob is on from v5.2 (the v4.4 era is 2015 code, before 4.4.26's backport);
    /// the anon-exclusive rule from v6.1.
    @Test func defaultsFollowTheEras() {
        #expect(Era.allCases.first { Knob.gupCowRetryKeepsWrite.defaultValue(in: $0) } == .v5_2)
        #expect(Era.allCases.first { $0.forceWriteNeedsAnonExclusive } == .v6_1)
    }
}
