/// FOLL_* flags of get_user_pages (include/linux/mm.h, mm/internal.h; reference §4.1).
public struct FollFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// FOLL_WRITE: the caller will write to the pages.
    public static let write = FollFlags(rawValue: 1 << 0)
    /// FOLL_GET: +1 reference per page (get_user_pages).
    public static let get = FollFlags(rawValue: 1 << 1)
    /// FOLL_PIN (v5.6+): a DMA pin (pin_user_pages), released by unpin_user_page.
    public static let pin = FollFlags(rawValue: 1 << 2)
    /// FOLL_LONGTERM (v5.2+).
    public static let longterm = FollFlags(rawValue: 1 << 3)
    /// FOLL_FORCE: ptrace-style access past the vma's permissions (COW only).
    public static let force = FollFlags(rawValue: 1 << 4)
    /// FOLL_NOWAIT: faults may not sleep; stop and report what was done.
    public static let nowait = FollFlags(rawValue: 1 << 5)
    /// FOLL_PCI_P2PDMA (v6.2+): P2PDMA pages are acceptable.
    public static let pciP2PDMA = FollFlags(rawValue: 1 << 6)
    /// FOLL_TOUCH: mark the pages accessed/dirty as a user access would.
    public static let touch = FollFlags(rawValue: 1 << 7)
    /// FOLL_REMOTE: on behalf of another process's mm.
    public static let remote = FollFlags(rawValue: 1 << 8)
    /// FOLL_DUMP: holes are -EFAULT instead of being faulted in.
    public static let dump = FollFlags(rawValue: 1 << 9)

    /// FOLL_COW (v4.9–v5.19, internal): this walk already broke COW on the page, so a
    /// dirty read-only PTE may be followed for a FOLL_FORCE write.
    public static let cow = FollFlags(rawValue: 1 << 10)

    /// `write pin longterm` as in a trace.
    public var description: String {
        let names: [(FollFlags, String)] = [
            (.write, "WRITE"), (.get, "GET"), (.pin, "PIN"), (.longterm, "LONGTERM"),
            (.force, "FORCE"), (.nowait, "NOWAIT"), (.pciP2PDMA, "PCI_P2PDMA"),
            (.touch, "TOUCH"), (.remote, "REMOTE"), (.dump, "DUMP"), (.cow, "COW"),
        ]
        return names.filter { contains($0.0) }.map { "FOLL_" + $0.1 }.joined(separator: "|")
    }
}

/// GUP_PIN_COUNTING_BIAS (include/linux/mm.h, v5.7+).
public let GUP_PIN_COUNTING_BIAS: Int32 = 1 << 10

/// What a thread holds after `gup`: the pages, and how they were taken.
public struct HeldPages: Hashable, Sendable {
    /// One pfn per page taken (subpages of a huge page each appear).
    public var pfns: [Pfn] = []
    /// Pinned (FOLL_PIN) rather than referenced (FOLL_GET).
    public var pinned: [Bool] = []

    /// Nothing held.
    public init() {}

    /// The given pages.
    public init(pfns: [Pfn], pinned: [Bool]) {
        self.pfns = pfns
        self.pinned = pinned
    }
}
