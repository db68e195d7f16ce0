/// How an address is mapped, the entry's bits, and its vma's smaps counters: what
/// `observe ADDR` records for conditions and for comparison with a real kernel.
public struct Observation: Hashable, Sendable {
    /// `none`, `pte`, `pmd` or `pud`: the level of the present leaf mapping the address.
    public var level: String
    /// The leaf entry's raw value (0 when none).
    public var entry: UInt64
    /// The entry carries _PAGE_SPECIAL.
    public var special: Bool
    /// The entry carries _PAGE_DEVMAP.
    public var devmap: Bool
    /// The entry is writable.
    public var writable: Bool
    /// pagemap bits.
    public var pagemap: PagemapEntry
    /// smaps of the vma containing the address (zero counters and "" when unmapped).
    public var smaps: SmapsEntry
    /// vm_normal_page() (or _pmd) finds a page: the mapping is refcounted.
    public var normal: Bool
    /// page_ref_count() of the folio behind the entry (0 when there is no struct page).
    public var refcount: Int = 0
    /// page_mapcount() of the subpage behind the entry (PTE mappings plus the folio's
    /// entire mapcount).
    public var mapcount: Int = 0
    /// The large folio's pincount (0 for small pages, which count pins in refcount).
    public var pincount: Int = 0
    /// The pfn of the page-table page holding the address's PMD entry (0 when the PUD
    /// has no PMD table): equal in two processes sharing a hugetlb PMD table.
    public var pmdTable = Pfn(0)
}

extension Kernel {
    /// Observes `addr` in process `mm` (runs alone: no scheduling points).
    public func observe(mm: MMID, _ addr: UInt64) -> Observation {
        let w = walkSnapshot(mm: mm, addr)
        var level = "none"
        var entry: UInt64 = 0
        let leaf = w.level == .pte || (w.level != .pgd && layout.isLeaf(w.entry))
        if leaf && w.entry != 0 && (w.level == .pte ? layout.isPresent(w.entry)
                                     : layout.pmdPresent(w.entry)) {
            level = w.level.description
            entry = w.entry
        }
        var smaps = SmapsEntry()
        var normal = false
        if let vi = mms[mm].vmaContaining(addr) {
            smaps = self.smaps(mm: mm, vmaIndex: vi)
            let vma = mms[mm].vmas[vi]
            if level == "pte" { normal = vmNormalPage(vma, addr, entry, nil) != nil }
            if level == "pmd" { normal = vmNormalPagePmd(vma, addr, entry, nil) != nil }
        }
        var o = Observation(
            level: level, entry: entry,
            special: entry & PTEBits.special != 0, devmap: layout.isDevmap(entry),
            writable: entry & PTEBits.rw != 0, pagemap: pagemap(mm: mm, addr), smaps: smaps,
            normal: normal)
        o.pmdTable = pmdTablePfn(mm: mm, addr)
        if entry != 0 {
            let pfn = layout.pfn(entry) + (level == "pte" ? 0
                : Int((addr & ((level == "pmd" ? PMD_SIZE : PUD_SIZE) - 1)) >> 12))
            if memory.memmap.pfnValid(pfn) {
                let head = compoundHead(pfn)
                let h = page(head)
                o.refcount = Int(h.refcount)
                o.mapcount = Int(mapcounts(pfn).mapcount + h.entireMapcount)
                o.pincount = Int(h.pincount)
            }
        }
        return o
    }
}
