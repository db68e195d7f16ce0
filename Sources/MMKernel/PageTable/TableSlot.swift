/// A page-table page's slot in the table store: where its 512 entries, its split PTL and
/// its frame are kept (`TableStore`; the table page's struct page holds it in `index`). A
/// type of its own so that a slot cannot be mixed up with an entry index, a pfn or a
/// count; packed stores (struct page's `index`, the free list) keep their narrow integers.
public struct TableSlot: Hashable, Sendable, CustomStringConvertible {
    /// The slot number.
    public var raw: Int

    /// The slot numbered `raw`.
    @inline(__always) public init(_ raw: Int) { self.raw = raw }

    /// The decimal slot number, as an `Int` prints.
    public var description: String { String(raw) }
}
