/// A ZONE_DEVICE pagemap: which `DevPagemap` of `DeviceMemory.pgmaps` (its index there,
/// struct page's `pgmap`). A type of its own so that a pgmap cannot be mixed up with a
/// region, a provider or a count; struct page's packed field keeps its `Int16`.
public struct PgmapID: Hashable, Sendable, CustomStringConvertible {
    /// The index in `DeviceMemory.pgmaps`.
    public var raw: Int

    /// The pgmap at index `raw`.
    @inline(__always) public init(_ raw: Int) { self.raw = raw }

    /// The decimal index, as an `Int` prints.
    public var description: String { String(raw) }
}

extension PgmapID {
    /// The pgmap a packed store holds (`Int16`, -1 for none): nil for none.
    @inline(__always) init?(packed v: Int16) {
        guard v >= 0 else { return nil }
        self.init(Int(v))
    }

    /// The packed form of a pgmap, for `Int16` stores (`Page.pgmap`).
    @inline(__always) static func packed(_ pgmap: PgmapID) -> Int16 {
        Int16(truncatingIfNeeded: pgmap.raw)
    }
}

extension Page {
    /// The dev_pagemap of a ZONE_DEVICE page, nil for none.
    @inline(__always) var pgmapID: PgmapID? { PgmapID(packed: pgmap) }
}

extension PageIdentity {
    /// The dev_pagemap of a ZONE_DEVICE page, nil for none.
    @inline(__always) var pgmapID: PgmapID? { PgmapID(packed: pgmap) }
}

extension PageShape {
    /// The dev_pagemap of a ZONE_DEVICE page, nil for none.
    @inline(__always) var pgmapID: PgmapID? { PgmapID(packed: pgmap) }
}

extension PgmapID: TrackedIndex {
    /// A pgmap ID indexes `DeviceMemory.pgmaps`.
    public typealias Indexed = DevPagemap
}
