import MMExplore

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

extension MMID: Int32Packed {}

/// The processes of one execution (`Kernel.mms`), in creation order. Each mm records the
/// accesses to its own fields; the table records its length (`Obj.processCount`): a walk
/// over every process (the i_mmap walks of truncate and unbind, a lookup by name) observes
/// that no process past the last one exists yet, which a fork in another thread changes.
public struct ProcessTable: RandomAccessCollection {
    private var storage: [MM] = []
    /// Where the length's accesses are recorded.
    private let log: AccessLog

    /// No processes yet.
    init(log: AccessLog) { self.log = log }

    /// The first index (0).
    public var startIndex: Int { 0 }
    /// The number of processes, recording a read of `Obj.processCount`.
    public var endIndex: Int {
        if log.isActive { log.access(Obj.processCount, .read) }
        return storage.count
    }
    /// The mm at index `i` (its fields record their own accesses).
    @inline(__always) public subscript(i: Int) -> MM { storage[i] }
    /// The mm numbered `id`.
    @inline(__always) public subscript(_ id: MMID) -> MM { storage[id.raw] }

    /// The ids of every mm, in order (with exited ones).
    public var ids: LazyMapSequence<Range<Int>, MMID> { indices.lazy.map(MMID.init) }

    /// Adds a process (records a write of `Obj.processCount`).
    mutating func append(_ mm: MM) {
        log.write(Obj.processCount)
        storage.append(mm)
    }

    /// Every mm without recording (the audit's digest).
    var allUnrecorded: [MM] { storage }
}
