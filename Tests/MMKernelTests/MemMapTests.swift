import MMExplore
import Testing
@testable import MMKernel

/// The memmap keeps a block of 512 struct pages as one template value until a page of it
/// is touched alone. These tests check that the pages read exactly as if every one had
/// been written one by one, whichever way a block is reached.
@Suite struct MemMapTests {
    /// A memmap with 64 MiB of device memory online at 4 GiB.
    private func memmap() -> (MemMap, Range<Pfn>) {
        var m = MemMap(maxPfn: Kernel.maxPfn, log: AccessLog())
        let start = Kernel.ramEnd
        m.online(startPfn: start, count: 16384)
        return (m, start..<(start + 16384))
    }

    @Test func fillReadsLikePerPageWritesAcrossPartialBlocks() {
        var (m, range) = memmap()
        // Starts and ends inside a block: two partial blocks and whole ones in between.
        let filled = (range.lowerBound + 100)..<(range.lowerBound + 3000)
        m.fillInSweep(filled) { p in
            p.epoch &+= 1
            p.flags = [.zoneDevice]
            p.refcount = 1
            p.pgmap = 3
        }
        for pfn in [range.lowerBound, range.lowerBound + 99, range.lowerBound + 3000] {
            let p = m.page(pfn)
            #expect(p == Page(), "pfn \(pfn) outside the fill is untouched")
        }
        for pfn in [range.lowerBound + 100, range.lowerBound + 511, range.lowerBound + 512,
                    range.lowerBound + 1024, range.lowerBound + 2999] {
            let p = m.page(pfn)
            #expect(p.flags == [.zoneDevice] && p.refcount == 1 && p.pgmap == 3 && p.epoch == 1)
        }
    }

    @Test func aPageWrittenAloneLeavesItsBlockMatesAtTheTemplate() {
        var (m, range) = memmap()
        m.fillInSweep(range) { p in p.refcount = 1; p.flags = [.zoneDevice] }
        let held = range.lowerBound + 7
        _ = m.refcountAdd(held, 1)
        let (a, b) = (m.page(held), m.page(held + 1))
        #expect(a.refcount == 2)
        #expect(b.refcount == 1 && b.flags == [.zoneDevice])
        // A second fill over the now materialised block changes each page from its own value.
        m.fillInSweep(range) { p in p.epoch &+= 1 }
        let (c, d) = (m.page(held), m.page(held + 600))
        #expect(c.refcount == 2 && c.epoch == 1)
        #expect(d.epoch == 1 && d.refcount == 1)
    }

    @Test func idleSweepDropsUniformBlocksAndRefusesBlocksWithAHeldPage() {
        var (m, range) = memmap()
        m.fillInSweep(range) { p in p.refcount = 1 }
        let block0 = range.lowerBound..<(range.lowerBound + 512)
        let block1 = (range.lowerBound + 512)..<(range.lowerBound + 1024)
        _ = m.refcountAdd(block1.lowerBound + 5, 1)
        let swept0 = m.sweepIdleBlock(block0, idle: 1, to: 0)
        let swept1 = m.sweepIdleBlock(block1, idle: 1, to: 0)
        #expect(swept0 && !swept1)
        let (a, b, c) = (m.page(block0.lowerBound + 300), m.page(block1.lowerBound + 5),
                         m.page(block1.lowerBound + 6))
        #expect(a.refcount == 0 && b.refcount == 2 && c.refcount == 1)
    }

    @Test func theAuditDigestSeesTemplatePages() {
        var (m, range) = memmap()
        m.fillInSweep(range) { p in p.refcount = 1 }
        var digest: [ObjectID: Int] = [:]
        m.auditDigest(into: &digest)
        var one = Page()
        one.refcount = 1
        // Shape, state, counts and mapcounts are digested as the four objects they are.
        let p = range.lowerBound + 4000
        #expect(digest[Obj.page(p)] == PageShape(one).hashValue)
        #expect(digest[Obj.pageState(p)] == PageState(one).hashValue)
        #expect(digest[Obj.pageCount(p)] == MemMap.countsDigest(one))
        #expect(digest[Obj.pageCount(p)] != MemMap.countsDigest(Page()))
        #expect(digest[Obj.pageMapcount(p)] == PageMapcounts(one).hashValue)
        #expect(digest[Obj.page(range.upperBound)] == nil)
    }

    /// What prep_compound_page leaves on each page of a 2 MiB compound page.
    private func expectCompound(_ m: inout MemMap, _ head: Pfn, refcount: Int32,
                                sourceLocation: SourceLocation = #_sourceLocation) {
        let h = m.page(head)
        #expect(h.flags.contains(.head) && h.order == 9 && h.refcount == refcount,
                sourceLocation: sourceLocation)
        for i in [1, 7, 511] {
            let t = m.page(head + i)
            #expect(t.flags.contains(.tail) && !t.flags.contains(.head)
                        && Int(t.headOffset) == i && t.refcount == refcount,
                    sourceLocation: sourceLocation)
        }
    }

    @Test func compoundBlocksReadLikePrepCompoundPageWhetherTouchedOrNot() {
        var (m, range) = memmap()
        m.fillInSweep(range) { p in p.refcount = 1; p.flags = [.zoneDevice]; p.pgmap = 2 }
        let held = range.lowerBound + 512 + 7
        _ = m.refcountAdd(held, 1)          // block 1 is materialised before
        m.makeCompound2M(range)
        expectCompound(&m, range.lowerBound, refcount: 1)
        let t = m.page(held)
        #expect(t.flags.contains(.tail) && t.headOffset == 7 && t.refcount == 2)
        // Touching one tail materialises its block with every page as it read before.
        _ = m.refcountAdd(range.lowerBound + 1024 + 3, 1)
        let mate = m.page(range.lowerBound + 1024 + 8)
        #expect(mate.flags.contains(.tail) && mate.headOffset == 8 && mate.pgmap == 2)
        // memunmap_pages' sweep drops an untouched compound block's counts at once and
        // keeps its head and tails.
        let block3 = (range.lowerBound + 1536)..<(range.lowerBound + 2048)
        let swept = m.sweepIdleBlock(block3, idle: 1, to: 0)
        #expect(swept)
        expectCompound(&m, block3.lowerBound, refcount: 0)
        expectCompound(&m, range.lowerBound + 2048, refcount: 1)
    }
}
