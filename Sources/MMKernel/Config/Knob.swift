/// A switchable piece of kernel behaviour: a config option, a sysctl, a merged commit or a
/// proposed patch from a thread. `kernel v5.10 +knob -knob` overrides the era's default.
/// Every knob names its source so a reviewer can find the code or the thread.
public enum Knob: Int, CaseIterable, Sendable {
    /// transparent_hugepage/enabled = always (off: madvise, THP only in VM_HUGEPAGE vmas).
    case thpAlways
    /// transparent_hugepage/use_zero_page: a read fault maps the huge zero page.
    case thpHugeZeroPage
    /// A write to a huge zero PMD or shared anon THP splits it and COWs 4K pages (v5.8+);
    /// off: a THP is allocated for the write (the older anon-THP COW semantics).
    case thpCowSplit
    /// Larger anonymous mappings are placed on a THP boundary (v6.7; PMD-sized lengths
    /// only from v6.12).
    case anonThpAlign
    /// The architecture has a PTE special bit (ARCH_HAS_PTE_SPECIAL); off: PTEs carry no
    /// special bit and vm_normal_page applies the VM_PFNMAP linearity rule instead.
    case pteSpecial
    /// The page allocator hands out the most recently freed frames first (per-cpu lists
    /// are LIFO); off: first in, first out.
    case allocLifo

    /// The knob's name on a `kernel` line.
    public var name: String { info.name }

    /// Looks up a knob by its name; nil for an unknown one.
    public init?(name: String) {
        guard let knob = Knob.allCases.first(where: { $0.info.name == name }) else { return nil }
        self = knob
    }

    /// Name, meaning and source of the knob.
    public var info: KnobInfo {
        switch self {
        case .thpAlways:
            return KnobInfo(
                name: "thp_always",
                summary: "transparent_hugepage=always; off means madvise (only VM_HUGEPAGE vmas)",
                source: "Documentation/admin-guide/mm/transhuge.rst; Debian 6.1 config "
                    + "CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS=y (oracle thp_settings: [always])")
        case .thpHugeZeroPage:
            return KnobInfo(
                name: "thp_huge_zero_page",
                summary: "a read fault in a THP-eligible anon vma maps the huge zero page",
                source: "\"thp: setup huge zero page on non-write page fault\" (Kirill A. "
                    + "Shutemov, v3.8); transparent_hugepage/use_zero_page = 1")
        case .thpCowSplit:
            return KnobInfo(
                name: "thp_cow_split",
                summary: "write to a huge zero PMD or shared anon THP splits the PMD, COW at 4K",
                source: "\"thp: change CoW semantics for anon-THP\" (Kirill A. Shutemov, v5.8)")
        case .anonThpAlign:
            return KnobInfo(
                name: "anon_thp_align",
                summary: "anon mmap of a PMD-multiple length is placed 2M-aligned",
                source: "\"mm: align larger anonymous mappings on THP boundaries\" (Rik van "
                    + "Riel, v6.7); \"mm, mmap: limit THP alignment of anonymous mappings to "
                    + "PMD-aligned sizes\" (Vlastimil Babka, v6.12)")
        case .pteSpecial:
            return KnobInfo(
                name: "pte_special",
                summary: "PTEs carry _PAGE_SPECIAL; off: vm_normal_page uses the linearity rule",
                source: "\"mm: introduce ARCH_HAS_PTE_SPECIAL\" (Laurent Dufour, v4.18; "
                    + "x86 had __HAVE_ARCH_PTE_SPECIAL since v2.6.26)")
        case .allocLifo:
            return KnobInfo(
                name: "alloc_lifo",
                summary: "freed frames are handed out again most recent first",
                source: "mm/page_alloc.c free_unref_page: pages go to the head of the per-cpu "
                    + "list and rmqueue_pcplist takes from the head")
        }
    }

    /// The knob's value in `era` when the `kernel` line does not set it.
    public func defaultValue(in era: Era) -> Bool {
        switch self {
        case .thpAlways, .thpHugeZeroPage, .pteSpecial, .allocLifo: return true
        case .thpCowSplit: return era >= .v5_10
        case .anonThpAlign: return era >= .v6_12
        }
    }
}

/// A knob's documentation.
public struct KnobInfo: Sendable {
    /// The name on a `kernel` line.
    public let name: String
    /// One line: what switching it on means.
    public let summary: String
    /// Commit title, config option or thread the behaviour comes from.
    public let source: String
}

/// An era with its knobs resolved: everything the model asks about the kernel it models.
public struct KernelConfig: Sendable, Hashable, CustomStringConvertible {
    /// The era.
    public let era: Era
    /// One bit per knob, set when on.
    private var bits: UInt64
    /// The knobs the `kernel` line set explicitly, in order, with their value.
    public private(set) var overrides: [(knob: Knob, on: Bool)] = []

    /// The era with every knob at its default.
    public init(era: Era) {
        self.era = era
        var bits: UInt64 = 0
        for knob in Knob.allCases where knob.defaultValue(in: era) {
            bits |= 1 << UInt64(knob.rawValue)
        }
        self.bits = bits
    }

    /// The era with `overrides` applied in order.
    public init(era: Era, overrides: [(knob: Knob, on: Bool)]) {
        self.init(era: era)
        for (knob, on) in overrides { set(knob, on) }
    }

    /// Switches `knob` on or off.
    public mutating func set(_ knob: Knob, _ on: Bool) {
        if on { bits |= 1 << UInt64(knob.rawValue) } else { bits &= ~(1 << UInt64(knob.rawValue)) }
        overrides.removeAll { $0.knob == knob }
        overrides.append((knob, on))
    }

    /// True when `knob` is on.
    @inlinable public func has(_ knob: Knob) -> Bool { isSet(knob.rawValue) }

    @usableFromInline func isSet(_ bit: Int) -> Bool { bits & (1 << UInt64(bit)) != 0 }

    /// `v5.10 -gup_fast_pgmap_check` as on a `kernel` line.
    public var description: String {
        ([era.name] + overrides.map { ($0.on ? "+" : "-") + $0.knob.name }).joined(separator: " ")
    }

    public static func == (a: KernelConfig, b: KernelConfig) -> Bool {
        a.era == b.era && a.bits == b.bits
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(era)
        hasher.combine(bits)
    }
}
