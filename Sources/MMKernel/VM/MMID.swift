/// A process's address space: which `struct mm_struct` of `Kernel.mms` (its index there).
/// A type of its own so that an mm cannot be mixed up with a CPU, a table slot or a count.
public struct MMID: Hashable, Sendable, CustomStringConvertible {
    /// The index in `Kernel.mms`.
    public var raw: Int

    /// The mm at index `raw`.
    @inline(__always) public init(_ raw: Int) { self.raw = raw }

    /// The decimal index, as an `Int` prints.
    public var description: String { String(raw) }
}

extension MMID {
    /// The mm a packed store holds (`Int32`, -1 for none): nil for none.
    @inline(__always) init?(packed v: Int32) {
        guard v >= 0 else { return nil }
        self.init(Int(v))
    }

    /// The packed form of an mm or of none (-1), for `Int32` stores.
    @inline(__always) static func packed(_ mm: MMID?) -> Int32 {
        guard let mm else { return -1 }
        return Int32(truncatingIfNeeded: mm.raw)
    }
}

extension Array where Element == MM {
    /// The mm numbered `id`.
    @inline(__always) public subscript(_ id: MMID) -> MM { self[id.raw] }

    /// The ids of every mm, in order (with exited ones).
    public var ids: LazyMapSequence<Range<Int>, MMID> { indices.lazy.map(MMID.init) }
}
