/// The memmap: struct pages by pfn, in sections of 128 MiB (SECTION_SIZE_BITS 27 on
/// x86-64). A section that is not online has no struct pages: `pfn_valid()` is false.
/// Storage is materialised when a section is first touched, so a 4 GiB machine costs
/// nothing until it is used.
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
    public private(set) var states: [SectionState]
    /// Where each section's pages start in `pages`, or -1 before it is materialised.
    @usableFromInline var base: [Int32]
    /// Storage of every materialised section's pages.
    public var pages: [Page] = []

    /// An empty memmap for `maxPfn` frames of physical address space.
    public init(maxPfn: Int) {
        let sections = (maxPfn + MemMap.sectionPages - 1) >> MemMap.sectionShift
        states = Array(repeating: .absent, count: sections)
        base = Array(repeating: -1, count: sections)
    }

    /// Marks `[startPfn, startPfn+count)` online (sections are whole).
    public mutating func online(startPfn: Int, count: Int) {
        var s = startPfn >> MemMap.sectionShift
        let end = (startPfn + count - 1) >> MemMap.sectionShift
        while s <= end {
            states[s] = .online
            s += 1
        }
    }

    /// Marks the sections of a range removed: their struct pages no longer exist.
    public mutating func remove(startPfn: Int, count: Int) {
        var s = startPfn >> MemMap.sectionShift
        let end = (startPfn + count - 1) >> MemMap.sectionShift
        while s <= end {
            states[s] = .removed
            s += 1
        }
    }

    /// Models pfn_valid() (include/linux/mmzone.h): the pfn has a struct page.
    @inlinable public func pfnValid(_ pfn: Int) -> Bool {
        let s = pfn >> MemMap.sectionShift
        return s >= 0 && s < states.count && states[s] == .online
    }

    /// True when the pfn's section was removed (any use of its struct page is a
    /// use-after-free).
    public func isRemoved(_ pfn: Int) -> Bool {
        let s = pfn >> MemMap.sectionShift
        return s >= 0 && s < states.count && states[s] == .removed
    }

    /// The storage index of `pfn`'s struct page, materialising its section; the pfn must
    /// be in an online or removed section (removed pages keep their last values so a
    /// use-after-free can be detected and reported rather than crash).
    @inlinable public mutating func slot(_ pfn: Int) -> Int {
        let s = pfn >> MemMap.sectionShift
        let b = base[s]
        if b >= 0 { return Int(b) + (pfn & (MemMap.sectionPages - 1)) }
        return materialise(s) + (pfn & (MemMap.sectionPages - 1))
    }

    @usableFromInline mutating func materialise(_ section: Int) -> Int {
        let start = pages.count
        pages.append(contentsOf: repeatElement(Page(), count: MemMap.sectionPages))
        base[section] = Int32(start)
        return start
    }
}
