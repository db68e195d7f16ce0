import MMExplore

/// The memmap: struct pages by pfn, in sections of 128 MiB (SECTION_SIZE_BITS 27 on
/// x86-64). A section that is not online has no struct pages: `pfn_valid()` is false.
/// Storage is materialised in blocks of 512 struct pages (2 MiB of frames) when a page of
/// the block is first touched one by one; until then every page of a block has one value,
/// its template, so booting 4 GiB, hot-adding a namespace (memremap_pages sets all its
/// pages alike) or sweeping an idle namespace (memunmap_pages) costs per block, not per
/// page. A block is materialised from its template, so the pages read the same.
public struct MemMap {
    /// Pages per section (2^(27-12)).
    public static let sectionPages = 1 << 15
    /// log2(sectionPages).
    public static let sectionShift = 15

    /// The state of one memmap section.
    public enum SectionState: UInt8 {
        /// No memory here: pfn_valid() is false.
        case absent
        /// Online (boot RAM or hot-added device memory).
        case online
        /// Was online, then removed (memunmap_pages): struct pages are gone.
        case removed
    }

    /// Struct pages per storage block (2 MiB of frames).
    static let blockPages = 1 << 9
    /// Blocks per section.
    static let sectionBlocks = sectionPages / blockPages

    /// Section states by section number.
    private var states: [SectionState]
    /// Where each section's entries start in `blocks`, or -1 while all its pages are
    /// `Page()` (never touched).
    private var sectionBlockStart: [Int32]
    /// Per block of touched sections: where its pages start in `pages` (>= 0), or
    /// `-(t + 1)` while every page of the block equals `templates[t]`, or
    /// `compoundTag - t` while the block is one 2 MiB compound page whose pages are
    /// `compoundTemplates[t]` with the head's or a tail's marks (`compoundPage`).
    private var blocks: [Int32] = []
    /// Values of uniform blocks; `templates[0]` is `Page()`.
    private var templates: [Page] = [Page()]
    /// Values of compound blocks before their head and tail marks.
    private var compoundTemplates: [Page] = []
    /// Block codes at or below this are compound blocks.
    private static let compoundTag: Int32 = -(1 << 30)
    /// Storage of every materialised block's pages: reached only through `page`,
    /// `withPage` and `section`, which record their access.
    private var pages: [Page] = []
    /// Where accesses are recorded: a struct page is object `Obj.page(pfn)`, a section's
    /// state (online/removed) `Obj.section(pfn)`; every struct page access reads its
    /// section, so memunmap_pages conflicts with it.
    let log: AccessLog

    /// An empty memmap for `maxPfn` frames of physical address space.
    public init(maxPfn: Int, log: AccessLog) {
        let sections = (maxPfn + MemMap.sectionPages - 1) >> MemMap.sectionShift
        states = Array(repeating: .absent, count: sections)
        sectionBlockStart = Array(repeating: -1, count: sections)
        self.log = log
    }

    /// The struct page of `pfn` (its section must be online or removed): reads its
    /// identity and its counts.
    @inline(__always) public mutating func page(_ pfn: Pfn) -> Page {
        log.read(Obj.page(pfn))
        log.read(Obj.pageState(pfn))
        log.read(Obj.pageCount(pfn))
        log.read(Obj.pageMapcount(pfn))
        log.read(Obj.pageCountBlock(pfn))
        log.read(Obj.section(pfn))
        return pages[slot(pfn)]
    }

    /// The identity part of `pfn`'s struct page (flags, compound head, mapping, index,
    /// pgmap, epoch): reads only that, not the counts.
    @inline(__always) mutating func identity(_ pfn: Pfn) -> PageIdentity {
        log.read(Obj.page(pfn))
        log.read(Obj.pageState(pfn))
        log.read(Obj.section(pfn))
        return PageIdentity(pages[slot(pfn)])
    }

    /// What `pfn`'s struct page is (shape flags, compound head, pgmap, epoch): reads
    /// only that, not its state or counts.
    @inline(__always) mutating func shape(_ pfn: Pfn) -> PageShape {
        log.read(Obj.page(pfn))
        log.read(Obj.section(pfn))
        return PageShape(pages[slot(pfn)])
    }

    /// Changes the struct page of `pfn` in place (identity and counts).
    @inline(__always) mutating func withPage<R>(_ pfn: Pfn, _ body: (inout Page) -> R) -> R {
        log.write(Obj.page(pfn))
        log.write(Obj.pageState(pfn))
        log.write(Obj.pageCount(pfn))
        log.write(Obj.pageMapcount(pfn))
        log.read(Obj.pageCountBlock(pfn))
        log.read(Obj.section(pfn))
        let s = slot(pfn)
        return body(&pages[s])
    }

    /// Changes only the identity of `pfn`'s struct page (flags, mapping, index...): a
    /// write of its shape and state, none of its counts, which `body` cannot reach.
    @inline(__always) mutating func withIdentity<R>(_ pfn: Pfn,
                                                    _ body: (inout PageIdentity) -> R) -> R {
        log.write(Obj.page(pfn))
        log.write(Obj.pageState(pfn))
        log.read(Obj.section(pfn))
        return modify(pfn, body)
    }

    /// Changes only the state of `pfn`'s struct page (page cache, dirty, anon...,
    /// mapping, index): a write of its state; `body` cannot reach the shape or counts.
    @inline(__always) mutating func withState<R>(_ pfn: Pfn,
                                                 _ body: (inout PageState) -> R) -> R {
        log.write(Obj.pageState(pfn))
        log.read(Obj.section(pfn))
        return modify(pfn, body)
    }

    /// Runs `body` on `Part`'s view of `pfn`'s struct page and stores the view back (the
    /// caller recorded the writes of the part's objects).
    @inline(__always) private mutating func modify<Part: PagePart, R>(
        _ pfn: Pfn, _ body: (inout Part) -> R
    ) -> R {
        let s = slot(pfn)
        var part = Part(pages[s])
        let r = body(&part)
        part.store(into: &pages[s])
        return r
    }

    /// The mapcounts of `pfn`'s struct page (page_mapcount(), folio_entire_mapcount()).
    @inline(__always) mutating func mapcounts(_ pfn: Pfn) -> PageMapcounts {
        log.read(Obj.pageMapcount(pfn))
        log.read(Obj.section(pfn))
        return PageMapcounts(pages[slot(pfn)])
    }

    /// Changes only the mapcounts of `pfn`'s struct page (the rmap's counts), which
    /// `body` gets alone.
    @inline(__always) mutating func withMapcounts<R>(_ pfn: Pfn,
                                                     _ body: (inout PageMapcounts) -> R) -> R {
        log.write(Obj.pageMapcount(pfn))
        log.read(Obj.section(pfn))
        return modify(pfn, body)
    }

    /// A page's refcount in a sweep that may set it (memunmap_pages' put of every idle
    /// page): a write of that page's count and a read of its section (the memmap exists).
    @inline(__always) mutating func refcountInSweep(_ pfn: Pfn) -> Int32 {
        log.read(Obj.section(pfn))
        log.write(Obj.pageCount(pfn))
        return pages[slot(pfn)].refcount
    }

    /// A sweep's pass over `pfns`, all in one block of `Obj.pageCountBlock`: when every
    /// count there is `idle`, sets them all to `value` and records one write of the block
    /// (every access to a count reads its block, so this conflicts with exactly what
    /// per-page writes would: the sweep visits the whole block in this step) and returns
    /// true. Otherwise changes nothing, records nothing and returns false: the caller
    /// visits the pages one by one (`refcountInSweep`), so that a block where another
    /// thread holds pages conflicts only on those pages' counts.
    mutating func sweepIdleBlock(_ pfns: Range<Pfn>, idle: Int32, to value: Int32) -> Bool {
        if pfns.count == MemMap.blockPages, pfns.lowerBound.isAligned(order: 9) {
            let b = blockIndex(pfns.lowerBound)
            if blocks[b] <= MemMap.compoundTag {
                // A compound block: every page has its template's counts.
                var page = compoundTemplates[Int(MemMap.compoundTag - blocks[b])]
                guard page.refcount == idle else { return false }
                log.read(Obj.section(pfns.lowerBound))
                log.write(Obj.pageCountBlock(pfns.lowerBound))
                page.refcount = value
                blocks[b] = MemMap.compoundTag - Int32(compoundTemplate(page))
                return true
            }
            if blocks[b] < 0 {
                // A uniform block: its template speaks for every page.
                var page = templates[Int(-blocks[b] - 1)]
                guard page.refcount == idle else { return false }
                log.read(Obj.section(pfns.lowerBound))
                log.write(Obj.pageCountBlock(pfns.lowerBound))
                page.refcount = value
                blocks[b] = -Int32(template(page)) - 1
                return true
            }
        }
        for pfn in pfns where pages[slot(pfn)].refcount != idle { return false }
        log.read(Obj.section(pfns.lowerBound))
        log.write(Obj.pageCountBlock(pfns.lowerBound))
        for pfn in pfns { pages[slot(pfn)].refcount = value }
        return true
    }

    /// Changes every struct page of `pfns` alike in a sweep over whole sections
    /// (memremap_pages initialising a namespace's pages): one write of each section
    /// instead of thousands of page objects; sound, because every other access to a struct
    /// page reads its section. A block the range covers whole and whose pages are still
    /// all equal changes once, through its template.
    mutating func fillInSweep(_ pfns: Range<Pfn>, _ body: (inout Page) -> Void) {
        var pfn = pfns.lowerBound
        var lastSection = -1
        var memo: (from: Int32, to: Int32)?
        while pfn < pfns.upperBound {
            let section = pfn.raw >> MemMap.sectionShift
            if section != lastSection {
                log.write(Obj.section(pfn))
                lastSection = section
            }
            let blockEnd = pfn.aligned(order: 9) + MemMap.blockPages
            let b = blockIndex(pfn)
            if pfn.isAligned(order: 9), blockEnd <= pfns.upperBound, blocks[b] < 0,
               blocks[b] > MemMap.compoundTag {
                let from = blocks[b]
                if let m = memo, m.from == from {
                    blocks[b] = m.to
                } else {
                    var page = templates[Int(-from - 1)]
                    body(&page)
                    blocks[b] = -Int32(template(page)) - 1
                    memo = (from, blocks[b])
                }
                pfn = blockEnd
                continue
            }
            body(&pages[slot(pfn)])
            pfn += 1
        }
    }

    /// Sets a page's refcount in a sweep (see `refcountInSweep`).
    @inline(__always) mutating func setRefcountInSweep(_ pfn: Pfn, _ value: Int32) {
        log.read(Obj.section(pfn))
        log.write(Obj.pageCount(pfn))
        pages[slot(pfn)].refcount = value
    }

    /// Models the atomic add of get_page()/page_ref_add(): a commuting update of the
    /// counts. Returns the refcount before.
    @inline(__always) mutating func refcountAdd(_ pfn: Pfn, _ n: Int32) -> Int32 {
        log.update(Obj.pageCount(pfn))
        log.read(Obj.pageCountBlock(pfn))
        log.read(Obj.section(pfn))
        let s = slot(pfn)
        let old = pages[s].refcount
        pages[s].refcount = old + n
        return old
    }

    /// Models page_ref_sub_and_test(): subtracts `n` and returns the refcount before; the
    /// caller handles underflow (nothing is subtracted then). What the caller does next
    /// depends on the count only when it falls to `quietAbove` or below (the put that
    /// reaches zero frees the page; a ZONE_DEVICE put that reaches its idle count wakes
    /// or frees it to its driver): then it is a write, and two puts in the other order
    /// swap those roles. Above that it is a decrement, which commutes with other puts'
    /// decrements but not with gets (a get moved before it keeps the count up). A put
    /// asleep in DPOR stays asleep across another put only while the count it left
    /// stays above `quietAbove` (`Access.interferes(with:)`): an earlier version recorded
    /// such puts as commuting updates, a sleeping thread's put kept its recorded "not
    /// the last" step after another put had made it the last one, and DPOR skipped
    /// classes (the seed-003 race at 2 threads: 4 of 19).
    @inline(__always) mutating func refcountSub(_ pfn: Pfn, _ n: Int32,
                                                quietAbove: Int32) -> Int32 {
        let s = slot(pfn)
        let old = pages[s].refcount
        log.decrement(Obj.pageCount(pfn), amount: n, room: old - n - quietAbove)
        log.read(Obj.pageCountBlock(pfn))
        log.read(Obj.section(pfn))
        if old >= n { pages[s].refcount = old - n }
        return old
    }

    /// The state of `pfn`'s section (no access recorded: for the end-of-run audit and
    /// observers that run alone).
    private func sectionStateUnrecorded(_ pfn: Pfn) -> SectionState {
        let s = pfn.raw >> MemMap.sectionShift
        return s >= 0 && s < states.count ? states[s] : .absent
    }

    /// A digest of every struct page of touched sections and of section states, by
    /// object, for the audit: `(object, hash)` pairs.
    func auditDigest(into out: inout [ObjectID: Int]) {
        for (s, st) in states.enumerated() where st != .absent || sectionBlockStart[s] >= 0 {
            out[Obj.section(Pfn(s << MemMap.sectionShift))] = Int(st.rawValue)
            guard sectionBlockStart[s] >= 0 else { continue }
            for i in 0..<MemMap.sectionPages {
                let pfn = Pfn(s << MemMap.sectionShift | i)
                let b = blocks[Int(sectionBlockStart[s]) + (i >> 9)]
                let page = b >= 0 ? pages[Int(b) + (pfn.raw & (MemMap.blockPages - 1))]
                    : unmaterialised(b, offset: pfn.raw & (MemMap.blockPages - 1))
                if page != Page() {
                    out[Obj.page(pfn)] = PageShape(page).hashValue
                    out[Obj.pageState(pfn)] = PageState(page).hashValue
                    out[Obj.pageCount(pfn)] = MemMap.countsDigest(page)
                    out[Obj.pageMapcount(pfn)] = PageMapcounts(page).hashValue
                }
            }
        }
    }

    /// The audit's digest of a page's reference counts (refcount, pincount).
    static func countsDigest(_ page: Page) -> Int {
        var h = Hasher()
        h.combine(page.refcount)
        h.combine(page.pincount)
        return h.finalize()
    }

    /// Marks `[startPfn, startPfn+count)` online (sections are whole).
    public mutating func online(startPfn: Pfn, count: Int) {
        var s = startPfn.raw >> MemMap.sectionShift
        let end = (startPfn + count - 1).raw >> MemMap.sectionShift
        while s <= end {
            log.write(Obj.section(Pfn(s << MemMap.sectionShift)))
            states[s] = .online
            s += 1
        }
    }

    /// Marks the sections of a range removed: their struct pages no longer exist.
    public mutating func remove(startPfn: Pfn, count: Int) {
        var s = startPfn.raw >> MemMap.sectionShift
        let end = (startPfn + count - 1).raw >> MemMap.sectionShift
        while s <= end {
            log.write(Obj.section(Pfn(s << MemMap.sectionShift)))
            states[s] = .removed
            s += 1
        }
    }

    /// Models pfn_valid() (include/linux/mmzone.h): the pfn has a struct page.
    /// (`mutating` so that a call through `Kernel.memmap` does not copy the store.)
    @inline(__always) public mutating func pfnValid(_ pfn: Pfn) -> Bool {
        log.read(Obj.section(pfn))
        let s = pfn.raw >> MemMap.sectionShift
        return s >= 0 && s < states.count && states[s] == .online
    }

    /// True when the pfn's section was removed (any use of its struct page is a
    /// use-after-free).
    public mutating func isRemoved(_ pfn: Pfn) -> Bool {
        log.read(Obj.section(pfn))
        let s = pfn.raw >> MemMap.sectionShift
        return s >= 0 && s < states.count && states[s] == .removed
    }

    /// The storage index of `pfn`'s struct page, materialising its block; the pfn must
    /// be in an online or removed section (removed pages keep their last values so a
    /// use-after-free can be detected and reported rather than crash).
    @inline(__always) private mutating func slot(_ pfn: Pfn) -> Int {
        let b = blockIndex(pfn)
        let base = blocks[b]
        if base >= 0 { return Int(base) + (pfn.raw & (MemMap.blockPages - 1)) }
        return materialise(b) + (pfn.raw & (MemMap.blockPages - 1))
    }

    /// Where the block of `pfn` is in `blocks`, giving its section blocks on first touch.
    @inline(__always) private mutating func blockIndex(_ pfn: Pfn) -> Int {
        let s = pfn.raw >> MemMap.sectionShift
        var start = sectionBlockStart[s]
        if start < 0 {
            start = Int32(blocks.count)
            blocks.append(contentsOf: repeatElement(-1, count: MemMap.sectionBlocks))
            sectionBlockStart[s] = start
        }
        return Int(start) + (pfn.raw >> 9 & (MemMap.sectionBlocks - 1))
    }

    /// Gives block `b` storage of its own, every page its template's value.
    private mutating func materialise(_ b: Int) -> Int {
        let start = pages.count
        let code = blocks[b]
        if code <= MemMap.compoundTag {
            let base = compoundTemplates[Int(MemMap.compoundTag - code)]
            pages.reserveCapacity(start + MemMap.blockPages)
            for i in 0..<MemMap.blockPages { pages.append(MemMap.compoundPage(base, i)) }
        } else {
            pages.append(contentsOf: repeatElement(templates[Int(-code - 1)],
                                                   count: MemMap.blockPages))
        }
        blocks[b] = Int32(start)
        return start
    }

    /// Page `offset` of a block not materialised, whose code is `code` (< 0).
    private func unmaterialised(_ code: Int32, offset: Int) -> Page {
        code <= MemMap.compoundTag
            ? MemMap.compoundPage(compoundTemplates[Int(MemMap.compoundTag - code)], offset)
            : templates[Int(-code - 1)]
    }

    /// Page `i` of a 2 MiB compound page whose pages are otherwise `base`: the head
    /// (order 9) or a tail pointing back `i` pages (prep_compound_page).
    private static func compoundPage(_ base: Page, _ i: Int) -> Page {
        var p = base
        if i == 0 {
            p.flags.insert(.head)
            p.order = 9
        } else {
            p.flags.insert(.tail)
            p.headOffset = UInt16(truncatingIfNeeded: i)
        }
        return p
    }

    /// The index of a compound template equal to `page`.
    private mutating func compoundTemplate(_ page: Page) -> Int {
        if let i = compoundTemplates.firstIndex(of: page) { return i }
        compoundTemplates.append(page)
        return compoundTemplates.count - 1
    }

    /// Makes every struct page of `pfns` part of a 2 MiB compound page (prep_compound_page
    /// over a ZONE_DEVICE memmap, memmap_init_compound): `pfns` starts 2 MiB aligned. A
    /// block whose pages are still all equal becomes a compound block without storage of
    /// its own, recorded as a write of its section as `fillInSweep` does (every other
    /// access to a struct page reads its section); any other block is changed page by
    /// page (`withPage`). A device-dax namespace of gigabytes then costs no more to bind
    /// than a small one.
    mutating func makeCompound2M(_ pfns: Range<Pfn>) {
        var head = pfns.lowerBound
        var lastSection = -1
        while head + MemMap.blockPages <= pfns.upperBound {
            let b = blockIndex(head)
            if blocks[b] < 0 && blocks[b] > MemMap.compoundTag {
                let section = head.raw >> MemMap.sectionShift
                if section != lastSection {
                    log.write(Obj.section(head))
                    lastSection = section
                }
                let t = compoundTemplate(templates[Int(-blocks[b] - 1)])
                blocks[b] = MemMap.compoundTag - Int32(t)
            } else {
                for i in 0..<MemMap.blockPages {
                    withPage(head + i) { $0 = MemMap.compoundPage($0, i) }
                }
            }
            head += MemMap.blockPages
        }
    }

    /// The index of a template equal to `page` (templates are few: one per distinct
    /// uniform value).
    private mutating func template(_ page: Page) -> Int {
        if let i = templates.firstIndex(of: page) { return i }
        templates.append(page)
        return templates.count - 1
    }
}
