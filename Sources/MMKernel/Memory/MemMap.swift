/// The memmap: struct pages by pfn, in sections of 128 MiB (SECTION_SIZE_BITS 27 on
/// x86-64). A section that is not online has no struct pages: `pfn_valid()` is false.
/// Storage is materialised when a section is first touched, so a 4 GiB machine costs
/// nothing until it is used.
import MMExplore

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

    /// Section states by section number.
    private var states: [SectionState]
    /// Where each section's pages start in `pages`, or -1 before it is materialised.
    private var base: [Int32]
    /// Storage of every materialised section's pages: reached only through `page`,
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
        base = Array(repeating: -1, count: sections)
        self.log = log
    }

    /// The struct page of `pfn` (its section must be online or removed): reads its
    /// identity and its counts.
    @inline(__always) public mutating func page(_ pfn: Int) -> Page {
        log.read(Obj.page(pfn))
        log.read(Obj.pageCount(pfn))
        log.read(Obj.pageCountBlock(pfn))
        log.read(Obj.section(pfn))
        return pages[slot(pfn)]
    }

    /// The identity part of `pfn`'s struct page (flags, compound head, mapping, index,
    /// pgmap, epoch): reads only that, not the counts.
    @inline(__always) mutating func identity(_ pfn: Int) -> PageIdentity {
        log.read(Obj.page(pfn))
        log.read(Obj.section(pfn))
        return PageIdentity(pages[slot(pfn)])
    }

    /// Changes the struct page of `pfn` in place (identity and counts).
    @inline(__always) mutating func withPage<R>(_ pfn: Int, _ body: (inout Page) -> R) -> R {
        log.write(Obj.page(pfn))
        log.write(Obj.pageCount(pfn))
        log.read(Obj.pageCountBlock(pfn))
        log.read(Obj.section(pfn))
        let s = slot(pfn)
        return body(&pages[s])
    }

    /// A page's refcount in a sweep that may set it (memunmap_pages' put of every idle
    /// page): a write of that page's count and a read of its section (the memmap exists).
    @inline(__always) mutating func refcountInSweep(_ pfn: Int) -> Int32 {
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
    mutating func sweepIdleBlock(_ pfns: Range<Int>, idle: Int32, to value: Int32) -> Bool {
        for pfn in pfns where pages[slot(pfn)].refcount != idle { return false }
        log.read(Obj.section(pfns.lowerBound))
        log.write(Obj.pageCountBlock(pfns.lowerBound))
        for pfn in pfns { pages[slot(pfn)].refcount = value }
        return true
    }

    /// Changes a struct page in a sweep over whole sections (memremap_pages initialising
    /// a namespace's pages): one write of each section instead of thousands of page
    /// objects; sound, because every other access to a struct page reads its section.
    @inline(__always) mutating func withPageInSweep(_ pfn: Int, _ body: (inout Page) -> Void) {
        log.write(Obj.section(pfn))
        body(&pages[slot(pfn)])
    }

    /// Sets a page's refcount in a sweep (see `refcountInSweep`).
    @inline(__always) mutating func setRefcountInSweep(_ pfn: Int, _ value: Int32) {
        log.read(Obj.section(pfn))
        log.write(Obj.pageCount(pfn))
        pages[slot(pfn)].refcount = value
    }

    /// Models the atomic add of get_page()/page_ref_add(): a commuting update of the
    /// counts. Returns the refcount before.
    @inline(__always) mutating func refcountAdd(_ pfn: Int, _ n: Int32) -> Int32 {
        log.update(Obj.pageCount(pfn))
        log.read(Obj.pageCountBlock(pfn))
        log.read(Obj.section(pfn))
        let s = slot(pfn)
        let old = pages[s].refcount
        pages[s].refcount = old + n
        return old
    }

    /// Models page_ref_sub_and_test(): subtracts `n`; a commuting update unless the count
    /// reaches zero or would underflow (then the result matters: a write). Returns the
    /// refcount before; the caller handles underflow (nothing is subtracted then).
    @inline(__always) mutating func refcountSub(_ pfn: Int, _ n: Int32) -> Int32 {
        let s = slot(pfn)
        let old = pages[s].refcount
        log.access(Obj.pageCount(pfn), old > n ? .update : .write)
        log.read(Obj.pageCountBlock(pfn))
        log.read(Obj.section(pfn))
        if old >= n { pages[s].refcount = old - n }
        return old
    }

    /// The state of `pfn`'s section (no access recorded: for the end-of-run audit and
    /// observers that run alone).
    func sectionStateUnrecorded(_ pfn: Int) -> SectionState {
        let s = pfn >> MemMap.sectionShift
        return s >= 0 && s < states.count ? states[s] : .absent
    }

    /// A digest of every struct page of materialised sections and of section states, by
    /// object, for the audit: `(object, hash)` pairs.
    func auditDigest(into out: inout [ObjectID: Int]) {
        for (s, st) in states.enumerated() where st != .absent || base[s] >= 0 {
            out[Obj.section(s << MemMap.sectionShift)] = Int(st.rawValue)
            guard base[s] >= 0 else { continue }
            let b = Int(base[s])
            for i in 0..<MemMap.sectionPages where pages[b + i] != Page() {
                out[Obj.page(s << MemMap.sectionShift | i)] = pages[b + i].hashValue
            }
        }
    }

    /// Marks `[startPfn, startPfn+count)` online (sections are whole).
    public mutating func online(startPfn: Int, count: Int) {
        var s = startPfn >> MemMap.sectionShift
        let end = (startPfn + count - 1) >> MemMap.sectionShift
        while s <= end {
            log.write(Obj.section(s << MemMap.sectionShift))
            states[s] = .online
            s += 1
        }
    }

    /// Marks the sections of a range removed: their struct pages no longer exist.
    public mutating func remove(startPfn: Int, count: Int) {
        var s = startPfn >> MemMap.sectionShift
        let end = (startPfn + count - 1) >> MemMap.sectionShift
        while s <= end {
            log.write(Obj.section(s << MemMap.sectionShift))
            states[s] = .removed
            s += 1
        }
    }

    /// Models pfn_valid() (include/linux/mmzone.h): the pfn has a struct page.
    @inline(__always) public func pfnValid(_ pfn: Int) -> Bool {
        log.read(Obj.section(pfn))
        let s = pfn >> MemMap.sectionShift
        return s >= 0 && s < states.count && states[s] == .online
    }

    /// True when the pfn's section was removed (any use of its struct page is a
    /// use-after-free).
    public func isRemoved(_ pfn: Int) -> Bool {
        log.read(Obj.section(pfn))
        let s = pfn >> MemMap.sectionShift
        return s >= 0 && s < states.count && states[s] == .removed
    }

    /// The storage index of `pfn`'s struct page, materialising its section; the pfn must
    /// be in an online or removed section (removed pages keep their last values so a
    /// use-after-free can be detected and reported rather than crash).
    @inline(__always) private mutating func slot(_ pfn: Int) -> Int {
        let s = pfn >> MemMap.sectionShift
        let b = base[s]
        if b >= 0 { return Int(b) + (pfn & (MemMap.sectionPages - 1)) }
        return materialise(s) + (pfn & (MemMap.sectionPages - 1))
    }

    private mutating func materialise(_ section: Int) -> Int {
        let start = pages.count
        pages.append(contentsOf: repeatElement(Page(), count: MemMap.sectionPages))
        base[section] = Int32(start)
        return start
    }
}
