/// A page frame number: which 4 KiB frame of physical memory (the kernel's `unsigned long
/// pfn`). A type of its own so that a pfn cannot be mixed up with a count, a table slot or
/// an index; packed stores (the allocator's free lists, `TableStore.pfnOfSlot`, entry
/// bits) keep their narrow integers and convert at their accessors.
public struct Pfn: Hashable, Comparable, Strideable, Sendable, CustomStringConvertible {
    /// The frame number.
    public var raw: Int

    /// The frame numbered `raw`.
    @inline(__always) public init(_ raw: Int) { self.raw = raw }

    /// The frame holding physical address `phys` (PHYS_PFN()).
    @inline(__always) public init(physAddr phys: UInt64) { raw = Int(phys >> 12) }

    /// The frame's physical address (PFN_PHYS()).
    @inline(__always) public var physAddr: UInt64 { UInt64(raw) << 12 }

    /// The first frame of the 2^order block holding this one (ALIGN_DOWN to the order).
    @inline(__always) public func aligned(order: Int) -> Pfn { Pfn(raw & ~((1 << order) - 1)) }

    /// True when the frame starts a 2^order block (IS_ALIGNED(pfn, 1 << order)).
    @inline(__always) public func isAligned(order: Int) -> Bool {
        raw & ((1 << order) - 1) == 0
    }

    /// The decimal frame number, as an `Int` prints.
    public var description: String { String(raw) }

    /// The frame `n` frames above `pfn`.
    @inline(__always) public static func + (pfn: Pfn, n: Int) -> Pfn { Pfn(pfn.raw + n) }
    /// The frame `n` frames below `pfn`.
    @inline(__always) public static func - (pfn: Pfn, n: Int) -> Pfn { Pfn(pfn.raw - n) }
    /// Frames from `b` up to `a` (negative when `a` is below `b`).
    @inline(__always) public static func - (a: Pfn, b: Pfn) -> Int { a.raw - b.raw }
    /// Moves `pfn` up by `n` frames.
    @inline(__always) public static func += (pfn: inout Pfn, n: Int) { pfn.raw += n }
    /// Moves `pfn` down by `n` frames.
    @inline(__always) public static func -= (pfn: inout Pfn, n: Int) { pfn.raw -= n }
    /// Lower frame number first.
    @inline(__always) public static func < (a: Pfn, b: Pfn) -> Bool { a.raw < b.raw }
    /// Frames from `self` up to `other`.
    @inline(__always) public func distance(to other: Pfn) -> Int { other.raw - raw }
    /// The frame `n` frames above.
    @inline(__always) public func advanced(by n: Int) -> Pfn { Pfn(raw + n) }
}

/// `0x1a2b` formatting of a frame number for trace lines and messages.
@inline(__always) func hex(_ pfn: Pfn) -> String { hex(pfn.raw) }

/// An identity that packed stores keep as an `Int32`, -1 for none (the allocator's free
/// lists, `TableStore.pfnOfSlot`, a CPU's loaded mm): they convert at their accessors.
protocol Int32Packed {
    /// The identity numbered `raw`.
    init(_ raw: Int)
    /// Its number.
    var raw: Int { get }
}

extension Int32Packed {
    /// The identity a packed store holds: nil for none (-1).
    @inline(__always) init?(packed v: Int32) {
        guard v >= 0 else { return nil }
        self.init(Int(v))
    }

    /// The packed form of an identity or of none (-1).
    @inline(__always) static func packed(_ id: Self?) -> Int32 {
        guard let id else { return -1 }
        return Int32(truncatingIfNeeded: id.raw)
    }
}

extension Pfn: Int32Packed {}
