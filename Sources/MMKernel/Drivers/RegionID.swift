/// A pmem region (one namespace each): which `PmemNamespace` of `DeviceMemory.pmems` (its
/// index there, the region number, `/dev/daxN.0`). A type of its own so that a region
/// cannot be mixed up with a block device, a pgmap or a page count.
public struct RegionID: Hashable, Sendable, CustomStringConvertible {
    /// The index in `DeviceMemory.pmems`.
    public var raw: Int

    /// The region numbered `raw`.
    @inline(__always) public init(_ raw: Int) { self.raw = raw }

    /// The decimal region number, as an `Int` prints.
    public var description: String { String(raw) }
}

extension TrackedArray {
    /// The element of region `id` in a per-region array (`DeviceMemory.pmems` and the
    /// namespace fields kept beside it), recording the read or the write.
    @inline(__always) public subscript(_ id: RegionID) -> Element {
        get { self[id.raw] }
        _modify { yield &self[id.raw] }
        set { self[id.raw] = newValue }
    }
}
