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
    /// gup-fast is the generic mm/gup.c code with a re-read of each entry (v4.13+).
    public var hasGenericGupFast: Bool { self >= .v5_2 }
    /// FOLL_PCI_P2PDMA and user P2PDMA mappings exist (v6.2+).
    public var hasP2PDMAUser: Bool { self >= .v6_12 }

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
