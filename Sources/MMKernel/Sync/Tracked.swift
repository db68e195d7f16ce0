import MMExplore

/// An instrumented array of shared kernel objects (loom's instrumented objects): element
/// `i` is object `key(i)`, and reading an element records a read of it, changing one
/// (assignment, in-place mutation, `append`) records a write. The elements are reachable
/// only through it, so no access to them goes unrecorded.
public struct TrackedArray<Element>: RandomAccessCollection, MutableCollection {
    private var storage: [Element] = []
    /// Where accesses are recorded.
    let log: AccessLog
    /// The object that stands for element `i`.
    let key: (Int) -> ObjectID
    /// Further objects of element `i`, recorded with the first by the subscript (an
    /// element whose fields fall in several objects, each reached alone by its own
    /// accessor elsewhere: a dev_pagemap's range, its percpu_ref's count and its mode).
    let others: [(Int) -> ObjectID]
    /// The object that stands for the number of elements (`Obj.length(of:)`).
    let length: ObjectID

    /// An empty array recording into `log`.
    init(log: AccessLog, key: @escaping (Int) -> ObjectID, others: [(Int) -> ObjectID] = []) {
        self.log = log
        self.key = key
        self.others = others
        length = Obj.length(of: key(0))
    }

    private func record(_ i: Int, _ kind: AccessKind) {
        log.access(key(i), kind)
        for other in others { log.access(other(i), kind) }
    }

    /// The first index (0).
    public var startIndex: Int { 0 }
    /// One past the last index, recording a read of the length: a search that finds
    /// nothing (`file` checking that a path is new, a lookup by name) observes that no
    /// element past the end exists yet, which an `append` in another thread changes.
    public var endIndex: Int {
        if log.isActive { log.access(length, .read) }
        return storage.count
    }

    /// Element `i`, recording the read or the write.
    public subscript(i: Int) -> Element {
        get {
            if log.isActive { record(i, .read) }
            return storage[i]
        }
        _modify {
            if log.isActive { record(i, .write) }
            yield &storage[i]
        }
        set {
            if log.isActive { record(i, .write) }
            storage[i] = newValue
        }
    }

    /// Adds an element (a write of its object).
    mutating func append(_ e: Element) {
        if log.isActive {
            record(storage.count, .write)
            log.access(length, .write)
        }
        storage.append(e)
    }

    /// Every element without recording (the audit's own reads, and lock words, which
    /// Sync/Locks.swift records as the lock's object).
    func unrecorded(_ i: Int) -> Element { storage[i] }
    /// Changes element `i` without recording (lock words only: see `unrecorded`).
    mutating func withUnrecorded<R>(_ i: Int, _ body: (inout Element) -> R) -> R {
        body(&storage[i])
    }
    /// The elements, unrecorded (the audit's digest).
    var all: [Element] { storage }
}

/// A typed index of one kind of tracked array (an inode number indexes the inodes, a pgmap
/// ID the pagemaps): the array of `Indexed` elements takes it, no other array does.
public protocol TrackedIndex {
    /// The element type of the array this index belongs to.
    associatedtype Indexed
    /// The position in that array.
    var raw: Int { get }
}

extension TrackedArray {
    /// Element `id`, recording the read or the write of its objects.
    @inline(__always)
    public subscript<I: TrackedIndex>(_ id: I) -> Element where I.Indexed == Element {
        get { self[id.raw] }
        _modify { yield &self[id.raw] }
        set { self[id.raw] = newValue }
    }

    /// Element `id` without recording (the caller records the object it reads: lock
    /// words, a pgmap's percpu_ref).
    func unrecorded<I: TrackedIndex>(_ id: I) -> Element where I.Indexed == Element {
        unrecorded(id.raw)
    }

    /// Changes element `id` without recording (the caller records the object it changes).
    mutating func withUnrecorded<I: TrackedIndex, R>(_ id: I, _ body: (inout Element) -> R) -> R
        where I.Indexed == Element {
        withUnrecorded(id.raw, body)
    }
}
