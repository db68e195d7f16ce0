/// A kernel era: a released kernel whose rules the model follows
/// (../shared/reference/kernel-mm.md §0). Every era difference the model knows is a
/// property here or a knob default in `Knob`; model code asks these, never the era name.
public enum Era: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    /// 2015: pre-devmap; x86 gup-fast in arch/x86/mm/gup.c; DAX in VM_MIXEDMAP vmas.
    case v4_4
    /// 2019: devmap at bit 58, generic gup-fast, FOLL_LONGTERM, 1-based ZONE_DEVICE refs.
    case v5_2
    /// 2021: FOLL_PIN, TTM huge PMDs (v5.8–v5.15), 1-based ZONE_DEVICE refs.
    case v5_10
    /// Debian 12's kernel, the oracle's: devmap bit 58, extra ZONE_DEVICE ref removed.
    case v6_1
    /// devmap bit 57, pmd_special, P2PDMA user mappings.
    case v6_12
    /// no devmap, no pfn_t, refcounted DAX folios, unconditional RCU table free.
    case v7_2

    /// The newest era: the default of a test without a `kernel` line.
    public static let newest: Era = .v7_2

    /// Parses `v5.10` and the like; nil for an unknown era.
    public init?(name: String) {
        guard let era = Era.allCases.first(where: { $0.name == name }) else { return nil }
        self = era
    }

    /// The era's name as written on a `kernel` line.
    public var name: String {
        switch self {
        case .v4_4: return "v4.4"
        case .v5_2: return "v5.2"
        case .v5_10: return "v5.10"
        case .v6_1: return "v6.1"
        case .v6_12: return "v6.12"
        case .v7_2: return "v7.2"
        }
    }

    public var description: String { name }

    public static func < (a: Era, b: Era) -> Bool { a.rawValue < b.rawValue }

    // MARK: Page-table bits (§1.1)

    /// The bit `_PAGE_DEVMAP` occupies: 58 in v4.5–v6.5, 57 in v6.6–v6.16, absent otherwise
    /// ("x86/mm: Introduce _PAGE_SAVED_DIRTY"; "mm: Remove pXX_devmap page table bit").
    public var devmapBit: Int? {
        switch self {
        case .v4_4, .v7_2: return nil
        case .v5_2, .v5_10, .v6_1: return 58
        case .v6_12: return 57
        }
    }

    /// `pmd_special`/`pud_special` exist (v6.12+, "huge pfnmap", Peter Xu).
    public var hasPmdSpecial: Bool { self >= .v6_12 }

    /// `pfn_t` with PFN_DEV/PFN_MAP/PFN_SPECIAL exists (v4.5–v6.16).
    public var hasPfnT: Bool { self != .v4_4 && self != .v7_2 }

    /// smaps_pmd_entry() finds the page with vm_normal_page_pmd() (v6.12 here; v6.1 used
    /// follow_trans_huge_pmd(FOLL_DUMP)), so a devmap PMD (fs-dax, device-dax) is not
    /// counted in Rss (fs/proc/task_mmu.c; oracle: Debian 6.12.117 shows Rss 0).
    public var smapsPmdUsesNormalPage: Bool { self >= .v6_12 }

    /// `pmd_trans_huge` excludes devmap PMDs (v4.5–v6.16: `(val & (PSE|DEVMAP)) == PSE`).
    public var transHugeExcludesDevmap: Bool { devmapBit != nil }

    // MARK: vm_normal_page (§2)

    /// How `vm_normal_page` is organised in this era.
    public var normalPageRoutine: NormalPageRoutine {
        switch self {
        case .v4_4: return .v4_4
        case .v5_2, .v5_10, .v6_1: return .devmapAware
        case .v6_12: return .devmapAwarePmdSpecial
        case .v7_2: return .unified
        }
    }

    /// The zero pfn is refused at PMD level by the MIXEDMAP rule (v6.12 adds it there).
    public var mixedMapRefusesZeroPfn: Bool { self >= .v6_12 }

    // MARK: Write faults

    /// How do_wp_page() decides that an anonymous page may be reused instead of copied.
    public var cowReuse: CowReuseRule {
        switch self {
        case .v4_4, .v5_2: return .mapcount
        case .v5_10: return .refcount
        case .v6_1, .v6_12, .v7_2: return .anonExclusive
        }
    }

    // MARK: GUP (§4, §5)

    /// FOLL_PIN and the pin bias exist (v5.7+).
    public var hasFollPin: Bool { self >= .v5_10 }
    /// FOLL_LONGTERM exists (v5.2+).
    public var hasFollLongterm: Bool { self >= .v5_2 }
    /// gup-fast is the generic mm/gup.c code (v4.13+ on x86): the default of the knob
    /// `gup_fast_pte_recheck`, its re-read of each entry after the speculative reference.
    public var hasGenericGupFast: Bool { self >= .v5_2 }
    /// FOLL_PCI_P2PDMA and user P2PDMA mappings exist (v6.2+).
    public var hasP2PDMAUser: Bool { self >= .v6_12 }
    /// In-kernel PCI P2PDMA (pci_p2pdma_add_resource, MEMORY_DEVICE_PCI_P2PDMA) exists
    /// ("PCI/P2PDMA: Support peer-to-peer memory", Logan Gunthorpe, v4.20).
    public var hasP2PDMA: Bool { self >= .v5_2 }
    /// How GUP refuses FOLL_LONGTERM on fs-dax vmas (§4.2 step 3).
    public var longtermFsdaxCheck: LongtermFsdaxCheck {
        switch self {
        case .v4_4: return .none
        case .v5_2, .v5_10: return .afterPinning
        case .v6_1, .v6_12, .v7_2: return .checkVmaFlags
        }
    }
    /// FOLL_LONGTERM without FOLL_PIN is refused with a WARN (is_valid_gup_flags, 6.x).
    public var longtermRequiresPin: Bool { self >= .v6_1 }
    /// __get_user_pages stops with -EEXIST for a pfn without struct page when pages are
    /// wanted (6.1+); before, follow_pfn_pte returned -EFAULT when FOLL_GET was set.
    public var eexistStopsWithPages: Bool { self >= .v6_1 }
    // mm->write_protect_seq (v5.11), fork's early COW of pinned pages (v5.9) and the
    // R/O-pin unshare (v5.19) are knobs: fork_write_protect_seq, fork_early_cow_pinned,
    // gup_must_unshare (Config/Knob.swift).
    /// A FOLL_FORCE write through a read-only PTE of a private mapping is allowed only
    /// when the PTE maps an exclusive anonymous page (PageAnonExclusive) ("mm/gup: fix
    /// FOLL_FORCE COW security issue and remove FOLL_COW", David Hildenbrand, 5535be309971,
    /// v6.0, CVE-2022-2590); before, FOLL_COW and a dirty PTE were enough (v4.9).
    public var forceWriteNeedsAnonExclusive: Bool { self >= .v6_1 }
    /// Direct I/O pins user pages (iov_iter_extract_pages, v6.3) instead of taking plain
    /// references (iov_iter_get_pages2).
    public var directIOPins: Bool { self >= .v6_12 }
    /// PIN|LONGTERM|WRITE of a file mapping that needs dirty tracking is refused
    /// ("mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing to file-backed mappings", v6.5).
    public var longtermWriteFileRefused: Bool { self >= .v6_12 }

    // MARK: PFN insertion and DAX (§3.3–3.6, §7)

    /// How DAX (fs-dax and device-dax) puts its pages into page tables.
    public var daxInsertion: DaxInsertion {
        switch self {
        case .v4_4: return .mixedMapSpecial
        case .v5_2, .v5_10, .v6_1, .v6_12: return .devmap
        case .v7_2: return .refcountedFolios
        }
    }

    /// Unbinding a pmem namespace tells an XFS filesystem on it (MF_MEM_PRE_REMOVE →
    /// xfs_dax_notify_failure, "mm, pmem, xfs: Introduce MF_MEM_PRE_REMOVE for unbind",
    /// Shiyang Ruan, v6.7), which unmaps its dax files before memunmap_pages. ext4 registers
    /// no dax holder (fs_dax_get_by_bdev without holder ops) and is never told: the 7.2
    /// guest keeps an ext4 fs-dax mapping after unbind and oopses unmapping it later
    /// (Tests/oracle/7.2/race-fsdax-unbind-then-munmap). Modelled from 7.x; XFS's rule needs
    /// rmapbt, and v6.7–v6.14 are not separate eras here.
    public var xfsUnmapsOnPreRemove: Bool { daxInsertion == .refcountedFolios }

    /// vm_mixed_ok() failing is a BUG_ON (≤v6.x); v7.x returns VM_FAULT_SIGBUS instead.
    public var mixedOkIsBugOn: Bool { self != .v7_2 }

    /// Pseudo filesystems (sockfs, the dma-buf fs, ...) are SB_I_NOEXEC, so do_mmap()'s
    /// path_noexec() test drops VM_MAYEXEC from mappings of their files ("libfs: set
    /// SB_I_NOEXEC and SB_I_NODEV by default in init_pseudo()", John Hubbard, 2026; in the
    /// Debian 7.2.13 source, not in 6.12.117). Before, only kernfs (sysfs) files were noexec.
    public var pseudoFsNoexec: Bool { self >= .v7_2 }

    /// remap_pfn_range() marks the vma VM_PAT (smaps `ar`, VM_ARCH_1 on x86) when
    /// track_pfn_remap() reserves the range's memtype. 7.x tracks the range in a
    /// pfnmap_track_ctx on the vma instead ("mm: remove VM_PAT", David Hildenbrand, v6.17).
    public var remapSetsVmPat: Bool { self < .v7_2 }

    /// A write fault on a huge zero PMD maps a freshly allocated THP with a PMD
    /// (do_huge_zero_wp_pmd(); "mm: huge_memory: replace huge zero page with THP on wp
    /// fault", Dev Jain, v6.14) instead of splitting it as thp_cow_split does; the split
    /// remains the fallback when no THP can be allocated.
    public var hugeZeroWpAllocatesThp: Bool { self >= .v7_2 }

    /// PUD-level huge faults (create_huge_pud, vmf_insert_pfn_pud) exist (v4.11+).
    public var hasPudHugeFault: Bool { self >= .v5_2 }

    /// fs-dax vmas get VM_MIXEDMAP at mmap (until "dax: stop using VM_MIXEDMAP for dax",
    /// v4.15); later only VM_HUGEPAGE.
    public var daxVmaMixedMap: Bool { self == .v4_4 }

    /// MAP_SYNC and MAP_SHARED_VALIDATE exist ("mm: Define MAP_SYNC and VM_SYNC flags",
    /// Jan Kara, v4.15).
    public var hasMapSync: Bool { self >= .v5_2 }

    /// pmem/fs-dax pfns have struct pages (pfn_t + devm_memremap_pages for pmem, v4.5);
    /// before, pmem had no memmap and fs-dax mapped raw pfns.
    public var pmemHasMemmap: Bool { self != .v4_4 }

    /// Device-dax exists (drivers/dax, "/dev/dax: core file operations and dax-mmap",
    /// Dan Williams, v4.7): before it no namespace can be put in devdax mode.
    public var hasDeviceDax: Bool { self != .v4_4 }

    /// Device-dax memmaps are compound pages of the namespace alignment
    /// ("device-dax: compound devmap support", Joao Martins, v5.17), so smaps counts a
    /// devdax PMD as 2048 kB; before, each page was order 0.
    public var devDaxCompoundPages: Bool { self >= .v6_1 }

    // MARK: TLB shootdown (arch/x86/mm/tlb.c)

    /// switch_mm_irqs_off() takes the CPU out of the previous mm's mm_cpumask when it
    /// loads another mm (v4.13 "x86/mm: Rework lazy TLB mode and TLB freshness tracking"
    /// to v6.13). From "x86/mm/tlb: Update mm_cpumask lazily" (Rik van Riel, v6.14) the bit
    /// stays and should_flush_tlb() skips CPUs whose loaded_mm is another mm.
    public var switchMMClearsPrevCpumask: Bool { self < .v7_2 }

    /// native_flush_tlb_multi() skips CPUs in lazy TLB mode (cpu_tlbstate.is_lazy) unless
    /// page tables were freed ("x86/mm/tlb: Only send page table free TLB flush to lazy
    /// TLB CPUs", Rik van Riel, v4.20); before, lazy CPUs took the IPI (and leave_mm()).
    public var flushSkipsLazyCPUs: Bool { self >= .v5_2 }

    // MARK: fs-dax faults vs truncate and hole punch (§7.4)

    /// A DAX fault takes the filesystem's lock against truncate and hole punch shared,
    /// and truncate/punch take it exclusive: mapping->invalidate_lock ("mm: Protect
    /// operations adding pages to page cache with invalidate_lock", Jan Kara, v5.15),
    /// before that ext4's i_mmap_sem ("ext4: fix races between page faults and hole
    /// punching", Jan Kara, v4.5) and XFS_MMAPLOCK ("xfs: introduce mmap/truncate lock",
    /// Dave Chinner, v4.1). So ext4 in v4.4 has none; xfs has one in every era here.
    public func daxFaultTruncateLock(xfs: Bool) -> Bool { xfs || self >= .v5_2 }

    // MARK: hugetlb PMD sharing (§8.1)

    /// How a shared hugetlb PMD table counts its sharers: the table page's refcount
    /// (get_page/page_count, v3.x–v6.12 mainline) or `pt_share_count` ("mm: hugetlb:
    /// independent PMD page table shared count", Liu Shixin, v6.13; the Debian 6.1.192
    /// and 6.12.117 sources read carry the backport, so v6.1 and later use it here).
    public var hugetlbShareCount: HugetlbShareCount {
        self >= .v6_1 ? .ptShareCount : .pageRefcount
    }

    /// What serialises hugetlb faults against huge_pmd_unshare (§8.1).
    public var hugetlbFaultLocking: HugetlbFaultLocking {
        switch self {
        case .v4_4, .v5_2: return .shareTakesIMmapWrite
        case .v5_10: return .faultTakesIMmapRead
        case .v6_1, .v6_12, .v7_2: return .vmaLock
        }
    }

    // MARK: ZONE_DEVICE (§6.3)

    /// The ZONE_DEVICE page refcount convention of the era.
    public var zoneDeviceRefcount: ZoneDeviceRefcount {
        switch self {
        case .v4_4: return .noPgmapRef
        case .v5_2, .v5_10: return .oneBasedIdle
        case .v6_1, .v6_12: return .extraRefRemoved
        case .v7_2: return .zeroBasedFolios
        }
    }
}

/// The shape of `vm_normal_page` in an era (§2).
public enum NormalPageRoutine: Sendable {
    /// v4.4: special PTE → find_special_page, PFNMAP/MIXEDMAP, zero pfn, else bad PTE.
    case v4_4
    /// v4.15–v6.11: adds the devmap test; PMD level has no special bit.
    case devmapAware
    /// v6.12–v6.16: as above, and `vm_normal_page_pmd` first tests `pmd_special`.
    case devmapAwarePmdSpecial
    /// v7.x: one `__vm_normal_page` for every level, no devmap case.
    case unified
}

/// Where FOLL_LONGTERM on an fs-dax vma is refused (§4.2).
public enum LongtermFsdaxCheck: Sendable {
    /// No FOLL_LONGTERM (v4.4; get_user_pages_longterm came in v4.15).
    case none
    /// v5.2–~v5.18: __gup_longterm_locked pins, then check_dax_vmas drops the pins and
    /// returns -EOPNOTSUPP.
    case afterPinning
    /// ~v6.0+: check_vma_flags returns -EOPNOTSUPP before anything is pinned.
    case checkVmaFlags
}

/// do_wp_page()'s reuse rule for anonymous pages (mm/memory.c).
public enum CowReuseRule: Sendable {
    /// ≤v5.8: reuse_swap_page(): reuse when the page is mapped once.
    case mapcount
    /// v5.9–v5.18 "mm: do_wp_page() simplification" (Linus Torvalds): reuse only when
    /// the page's refcount is 1, so a GUP reference forces a copy.
    case refcount
    /// v5.19+ "mm/rmap: use page_anon_exclusive" (David Hildenbrand): reuse when
    /// PageAnonExclusive, or when the refcount shows no other user.
    case anonExclusive
}

/// How DAX maps its pages (§7.2 step 5, §7.3, §7.5).
public enum DaxInsertion: Sendable {
    /// v4.4: vm_insert_mixed() of a raw pfn into a VM_MIXEDMAP vma: a special PTE; PMDs
    /// through vmf_insert_pfn_pmd() are bare PSE entries (4.4, inferred).
    case mixedMapSpecial
    /// v4.5–v6.14: pfn_t PFN_DEV|PFN_MAP through vmf_insert_mixed / vmf_insert_pfn_pmd /
    /// _pud: devmap entries, no page reference held by the mapping.
    case devmap
    /// v6.15+: vmf_insert_page_mkwrite / vmf_insert_folio_pmd / _pud: normal refcounted
    /// entries with rmap ("fs/dax: Fix ZONE_DEVICE page reference counts").
    case refcountedFolios
}

/// ZONE_DEVICE page refcount conventions (§6.3).
public enum ZoneDeviceRefcount: Sendable {
    /// v4.4: devm_memremap_pages without a pgmap reference per page.
    case noPgmapRef
    /// v4.5–~v5.17: pages idle at refcount 1.
    case oneBasedIdle
    /// ~v5.18–v6.14: PRIVATE/COHERENT start at 0; FS_DAX still idle at 1.
    case extraRefRemoved
    /// v6.15+: FS_DAX, PRIVATE, COHERENT, P2PDMA idle at 0; GENERIC at 1.
    case zeroBasedFolios
}

/// How a shared hugetlb PMD table counts its sharers (§8.1).
public enum HugetlbShareCount: Sendable {
    /// ≤v6.12 mainline: huge_pmd_share takes get_page() on the table page; shared when
    /// page_count() > 1.
    case pageRefcount
    /// v6.13 (backported to 6.1.y/6.12.y): a separate `pt_share_count`; shared when > 0.
    case ptShareCount
}

/// The locking that keeps a hugetlb fault from using a PMD table huge_pmd_unshare is
/// detaching (§8.1; mm/hugetlb.c hugetlb_fault, huge_pmd_share).
public enum HugetlbFaultLocking: Sendable {
    /// ≤v5.6: the fault holds only the fault mutex; huge_pmd_share takes i_mmap_rwsem
    /// for write around its walk (the seed-001 quote). A fault that already found the
    /// table is not serialised against unshare (fixed by "hugetlbfs: use i_mmap_rwsem for
    /// more pmd sharing synchronization", Mike Kravetz, v5.7).
    case shareTakesIMmapWrite
    /// v5.7–v6.0: hugetlb_fault holds i_mmap_rwsem for read across huge_pte_alloc and the
    /// fault; huge_pmd_share relies on it.
    case faultTakesIMmapRead
    /// v6.1+: the hugetlb vma lock ("hugetlb: use new vma_lock for pmd sharing
    /// synchronization", Mike Kravetz, v6.1): faults hold it for read, unshare paths for
    /// write; huge_pmd_share takes i_mmap_rwsem for read; sharing needs the lock to exist.
    case vmaLock
}
