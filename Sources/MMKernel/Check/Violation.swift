/// The kinds of violation the model's checkers report. The names are stable: `expect
/// violation KIND` lines use them (../shared/design/architecture.md, "Checkers").
public enum ViolationKind: Int, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    /// A struct page, memmap or page-table page used after it was removed or freed.
    case useAfterFree
    /// A reference taken through a pfn with no struct page, or on a page that must not be
    /// refcounted.
    case badPageRef
    /// A put on a page whose refcount is already zero.
    case refcountUnderflow
    /// At the end, references not back to their baseline.
    case refcountLeak
    /// A page freed while a page table still maps it.
    case freedWhileMapped
    /// An access through a TLB entry whose frame was freed or reused.
    case staleTLB
    /// A DMA transfer into or out of a frame that was freed.
    case dmaAfterFree
    /// A driver recycled a page someone still holds.
    case recycledWhileReferenced
    /// A condition the kernel BUG()s or WARN()s on.
    case bugOn
    /// No runnable thread while some are blocked.
    case deadlock
    /// Locks taken in an order that can deadlock.
    case lockOrder
    /// A sleeping operation with IRQs off or a spinlock held.
    case sleepInAtomic
    /// A failed `assert` statement of the test.
    case assert
    /// A write through a private (COW) mapping that reached a page the mapping does not
    /// own: the file's page-cache page or the zero page (Dirty COW).
    case cowBypass
    /// A lockless page-table walk (gup-fast) that read another process's entry in a
    /// hugetlb PMD table its own mm stopped sharing while the walk was in it.
    case foreignTableWalk
    /// GUP returned a FOLL_LONGTERM pin of a ZONE_MOVABLE page: the zone's promise that
    /// its pages can be migrated (memory offlining, memory-hotplug.rst) is broken.
    case longtermPinMovable

    /// The stable name used in `expect violation KIND` and in output.
    public var name: String {
        switch self {
        case .useAfterFree: return "use-after-free"
        case .badPageRef: return "bad-page-ref"
        case .refcountUnderflow: return "refcount-underflow"
        case .refcountLeak: return "refcount-leak"
        case .freedWhileMapped: return "freed-while-mapped"
        case .staleTLB: return "stale-tlb"
        case .dmaAfterFree: return "dma-after-free"
        case .recycledWhileReferenced: return "recycled-while-referenced"
        case .bugOn: return "bug-on"
        case .deadlock: return "deadlock"
        case .lockOrder: return "lock-order"
        case .sleepInAtomic: return "sleep-in-atomic"
        case .assert: return "assert"
        case .cowBypass: return "cow-bypass"
        case .foreignTableWalk: return "foreign-table-walk"
        case .longtermPinMovable: return "longterm-pin-movable"
        }
    }

    /// Looks a kind up by its stable name.
    public init?(name: String) {
        guard let kind = ViolationKind.allCases.first(where: { $0.name == name }) else {
            return nil
        }
        self = kind
    }

    public var description: String { name }

    public static func < (a: ViolationKind, b: ViolationKind) -> Bool { a.rawValue < b.rawValue }
}

/// One violation seen in an execution: its kind and what the checker saw, in words a
/// reviewer can paste ("put_page: pfn 0x1234 refcount already 0").
public struct Violation: Hashable, Sendable, CustomStringConvertible {
    /// The kind.
    public let kind: ViolationKind
    /// What the checker saw; for `bug-on`, starts with the BUG/WARN's name.
    public let detail: String
    /// The thread it happened on (scenario name, e.g. "T0", or "init").
    public let thread: String

    /// Creates a violation record.
    public init(kind: ViolationKind, detail: String, thread: String) {
        self.kind = kind
        self.detail = detail
        self.thread = thread
    }

    public var description: String { "\(kind.name) in \(thread): \(detail)" }
}
