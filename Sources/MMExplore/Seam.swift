#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

// The seam between model code and the explorer.
//
// Model code (MMKernel) is ordinary Swift `async` code. Wherever another CPU could
// observe or interfere, it calls `ExecThread.step()`: a scheduling point, where the
// explorer decides which thread runs next. The step that follows runs atomically up to
// the thread's next scheduling point. Its footprint (which shared objects it read or
// wrote) is not declared by hand: the model's shared state is reachable only through
// instrumented objects whose accessors record each access in the execution's
// `AccessLog`, as loom's `rt` objects do. The explorer only compares identities; it
// knows nothing of what the objects are.

/// The identity of one shared object a step touches (an entry, a refcount, a lock...).
/// The model chooses the numbering; the explorer only compares identities.
public struct ObjectID: Hashable, Sendable, CustomStringConvertible {
    /// The model's encoding of the object.
    public let raw: UInt64
    /// Creates an identity from the model's encoding.
    @inlinable public init(_ raw: UInt64) { self.raw = raw }
    /// "obj#" and the raw value in hex.
    public var description: String { "obj#\(String(raw, radix: 16))" }
}

/// Whether a step reads, writes or commutatively updates an object.
public enum AccessKind: UInt8, Sendable {
    /// The step only reads the object.
    case read
    /// The step may modify the object.
    case write
    /// The step changes the object in a way that commutes with every other `update` of
    /// it (e.g. taking an rwsem for read: two readers succeed in either order and leave
    /// the same state); it conflicts with reads and writes.
    case update
    /// The step subtracts from a counter and then tests only whether the result fell to
    /// a threshold it chose, and it did not (a reference put that did not drop the last
    /// reference). Decrements of one object commute with each other in a trace: when the
    /// last of a run of them stays above the threshold, every order of the run does, so
    /// none of them sees another result. They conflict with every other kind, `update`
    /// included: an increment moved before a decrement could hold the count up, or let it
    /// fall. A decrement that reaches its threshold is recorded as a `write`. Every
    /// decrement of one object must test the same threshold: with a higher one earlier in
    /// a run, another order can take that one down to it (DecrementTests shows DPOR then
    /// missing outcomes).
    case decrement

    /// The kind of a step that accesses an object both as `self` and as `other`.
    @inlinable public func joined(_ other: AccessKind) -> AccessKind {
        self == other ? self : .write
    }
}

/// One object touched by a step.
public struct Access: Hashable, Sendable {
    /// The object.
    public var object: ObjectID
    /// Read or write.
    public var kind: AccessKind
    /// For a `decrement`: how much the step subtracted (0 otherwise).
    public var amount: UInt16 = 0
    /// For a `decrement`: how far above its threshold the count stayed (> 0; 0
    /// otherwise). A sleeping step stays the same step after another decrement of the
    /// object only while that decrement's amount is below this.
    public var room: Int32 = 0
    /// Creates an access.
    @inlinable public init(_ object: ObjectID, _ kind: AccessKind) {
        self.object = object
        self.kind = kind
    }
    /// Creates a `decrement` access.
    @inlinable public init(_ object: ObjectID, decrement amount: UInt16, room: Int32) {
        self.object = object
        self.kind = .decrement
        self.amount = amount
        self.room = room
    }
    /// Two accesses conflict when they touch the same object, unless both only read, both
    /// are commuting updates or both are decrements that stayed above their threshold:
    /// the dependence of Mazurkiewicz traces, which race analysis uses.
    @inlinable public func conflicts(with other: Access) -> Bool {
        object == other.object && (kind != other.kind || kind == .write)
    }

    /// Whether a step recorded with `self` may behave differently after a step with
    /// `other`, in the state where that step ran: a conflict, or a decrement of the
    /// object by at least `self`'s room (the recorded step would then reach its
    /// threshold). Sleep sets compare a step recorded at one node with steps taken
    /// later, so they need this, not `conflicts(with:)`.
    @inlinable public func interferes(with other: Access) -> Bool {
        object == other.object
            && (kind != other.kind || kind == .write
                || (kind == .decrement && room <= Int32(other.amount)))
    }
}

/// The objects one step touches, in the order first touched. The first four are stored
/// inline (no allocation for the common step); more spill into an array, so a footprint
/// never drops an access. Touching an object twice keeps one access, widened to a write
/// if either was one.
public struct Footprint: Hashable, Sendable {
    @usableFromInline var a0 = Access(ObjectID(0), .read)
    @usableFromInline var a1 = Access(ObjectID(0), .read)
    @usableFromInline var a2 = Access(ObjectID(0), .read)
    @usableFromInline var a3 = Access(ObjectID(0), .read)
    /// Accesses beyond the fourth.
    @usableFromInline var spill: [Access] = []
    /// For a large footprint (`indexedFrom` entries or more): where the first object of
    /// each hash slot is stored (-1: no object has that slot), so a step that walks the
    /// same few objects again and again (a check over 512 file pages re-reading the vma
    /// tree and one PMD) keeps one entry each, in constant time per access. A slot keeps
    /// its first object: the objects a walk repeats are the ones it touched first.
    @usableFromInline var index: [Int32] = []
    /// Storage of `count` (internal-but-inlinable so `add` can set it).
    @usableFromInline var storedCount: Int = 0
    /// How many distinct objects the step touched.
    @inlinable public var count: Int { storedCount }

    /// The size from which a footprint keeps its `index`.
    @usableFromInline static let indexedFrom = 13
    /// Slots of `index` (a power of two).
    @usableFromInline static let indexSlots = 256

    /// An empty footprint: the step touches nothing shared (a pure local step).
    @inlinable public init() {}
    /// A footprint of one access.
    @inlinable public init(_ object: ObjectID, _ kind: AccessKind) {
        a0 = Access(object, kind)
        storedCount = 1
    }

    /// Two footprints are equal when they hold the same accesses in the same order.
    @inlinable public static func == (l: Footprint, r: Footprint) -> Bool {
        guard l.storedCount == r.storedCount else { return false }
        for i in 0..<l.storedCount where l[i] != r[i] { return false }
        return true
    }

    /// Hashes the accesses (not the lookup index).
    @inlinable public func hash(into h: inout Hasher) {
        h.combine(storedCount)
        for i in 0..<storedCount { h.combine(self[i]) }
    }

    /// The `index` slot of `object`.
    @inlinable static func indexSlot(_ object: ObjectID) -> Int {
        Int(truncatingIfNeeded: (object.raw &* 0x9E37_79B9_7F4A_7C15) >> 56)
    }

    /// Where `object` is stored, if the lookup sees it: the four inline entries, the last
    /// eight, and in a large footprint the entry its index slot names.
    @inlinable func position(of object: ObjectID) -> Int? {
        let n = storedCount
        for i in 0..<min(n, 4) where self[i].object == object { return i }
        guard n > 4 else { return nil }
        if !index.isEmpty {
            let i = Int(index[Self.indexSlot(object)])
            if i < 0 { return nil }  // no object of its slot is stored
            if self[i].object == object { return i }
        }
        let recent = n <= 12 ? 4 : n - 8
        for i in recent..<n where self[i].object == object { return i }
        return nil
    }

    /// True when `object`, which `position(of:)` did not find, is stored nowhere: the
    /// lookup saw every entry (twelve or fewer), or no object of its index slot is stored.
    @inlinable func surelyAbsent(_ object: ObjectID) -> Bool {
        storedCount <= 12 || (!index.isEmpty && index[Self.indexSlot(object)] < 0)
    }

    /// Appends an entry (the caller found none for its object).
    @inlinable mutating func append(_ access: Access) {
        switch storedCount {
        case 0: a0 = access
        case 1: a1 = access
        case 2: a2 = access
        case 3: a3 = access
        default: spill.append(access)
        }
        storedCount += 1
        if !index.isEmpty {
            let h = Self.indexSlot(access.object)
            if index[h] < 0 { index[h] = Int32(storedCount - 1) }
        } else if storedCount == Self.indexedFrom {
            index = Array(repeating: -1, count: Self.indexSlots)
            for i in 4..<storedCount {
                let h = Self.indexSlot(self[i].object)
                if index[h] < 0 { index[h] = Int32(i) }
            }
        }
    }

    /// The footprint without its lookup index, to keep once the step is over.
    @inlinable public func sealed() -> Footprint {
        var out = self
        out.index = []
        return out
    }

    /// Adds an access. An object already stored keeps one entry (the kinds joined) when
    /// the lookup sees it (`position(of:)`); a repeat it does not see is stored again,
    /// which conflicts exactly as the merged entry would. Constant time per access: a
    /// step touching 100,000 struct pages is not quadratic.
    @inlinable public mutating func add(_ object: ObjectID, _ kind: AccessKind) {
        if let i = position(of: object) { return join(i, kind) }
        append(Access(object, kind))
    }

    /// Adds every access of `other`.
    @inlinable public mutating func add(_ other: Footprint) {
        for i in 0..<other.count {
            let a = other[i]
            if a.kind == .decrement {
                addDecrement(a.object, amount: a.amount, room: a.room)
            } else {
                add(a.object, a.kind)
            }
        }
    }

    /// Adds a decrement of `object` by `amount` that left it `room` above its threshold.
    /// A second decrement of the object in the step adds up (the room is the later
    /// one's); a decrement joined with another kind is a write. It looks for the object
    /// where `add` does; where an earlier decrement of the object might hide from that
    /// lookup (`surelyAbsent`), it adds a write: a decrement split in two entries would
    /// let each look smaller than the room of a sleeping put.
    @inlinable public mutating func addDecrement(_ object: ObjectID, amount: UInt16,
                                                 room: Int32) {
        if let i = position(of: object) {
            var a = self[i]
            let sum = Int(a.amount) + Int(amount)
            if a.kind == .decrement && sum <= Int(UInt16.max) {
                a.amount = UInt16(sum)
                a.room = room
            } else {
                a = Access(object, .write)
            }
            return set(i, a)
        }
        if !surelyAbsent(object) { return append(Access(object, .write)) }
        append(Access(object, decrement: amount, room: room))
    }

    /// This footprint as the same step would record it after a step with `other`
    /// that it does not interfere with: each decrement's room shrinks by the other's
    /// decrement of the same object.
    @inlinable public func after(_ other: Footprint) -> Footprint {
        var out = self
        for i in 0..<count where self[i].kind == .decrement {
            for j in 0..<other.count
            where other[j].object == self[i].object && other[j].kind == .decrement {
                var a = out[i]
                a.room -= Int32(other[j].amount)
                out.set(i, a)
            }
        }
        return out
    }

    @usableFromInline mutating func set(_ index: Int, _ access: Access) {
        switch index {
        case 0: a0 = access
        case 1: a1 = access
        case 2: a2 = access
        case 3: a3 = access
        default: spill[index - 4] = access
        }
    }

    /// Turns a write of `object` into a read (`AccessLog.restored`).
    @inlinable mutating func restore(_ object: ObjectID) {
        if let i = position(of: object), self[i].kind == .write { setKind(i, .read) }
    }

    @usableFromInline mutating func join(_ index: Int, _ kind: AccessKind) {
        let k = self[index].kind.joined(kind)
        if k != self[index].kind { setKind(index, k) }
    }

    @usableFromInline mutating func setKind(_ index: Int, _ kind: AccessKind) {
        var a = self[index]
        a.kind = kind
        if kind != .decrement {
            a.amount = 0
            a.room = 0
        }
        set(index, a)
    }

    /// The access at `index` (0..<count).
    @inlinable public subscript(index: Int) -> Access {
        switch index {
        case 0: return a0
        case 1: return a1
        case 2: return a2
        case 3: return a3
        default: return spill[index - 4]
        }
    }

    /// True when the footprint's accesses to `object`, joined, are of kind `kind` or
    /// stronger (a write covers everything).
    @inlinable public func covers(_ object: ObjectID, _ kind: AccessKind) -> Bool {
        var joined: AccessKind?
        for i in 0..<storedCount where self[i].object == object {
            joined = joined.map { $0.joined(self[i].kind) } ?? self[i].kind
        }
        guard let joined else { return false }
        return joined == kind || joined == .write
    }

    /// True when some access of `self` conflicts with some access of `other`.
    @inlinable public func conflicts(with other: Footprint) -> Bool {
        for i in 0..<count {
            for j in 0..<other.count where self[i].conflicts(with: other[j]) {
                return true
            }
        }
        return false
    }

    /// True when some access of `self` interferes with some access of `other`
    /// (`Access.interferes(with:)`).
    @inlinable public func interferes(with other: Footprint) -> Bool {
        for i in 0..<count {
            for j in 0..<other.count where self[i].interferes(with: other[j]) {
                return true
            }
        }
        return false
    }
}

/// Where instrumented objects report their accesses (loom's `rt` objects are the model:
/// the object's accessor records the access, so no access exists without its record).
///
/// One log serves one execution. The execution tells it which phase runs; an access is
/// added to the footprint of the step being run. Between steps — while threads run the
/// code before their first scheduling point, which the seam requires to touch nothing
/// shared — an access belongs to no step: the audit reports it.
public final class AccessLog {
    /// What the execution is doing, as far as recording goes.
    public enum Mode: UInt8, Sendable {
        /// Not attached to an exploring execution (unit tests, sequential runs without
        /// recording): accesses are ignored.
        case off
        /// A phase that runs alone (init, finally): nothing can interleave, nothing is
        /// recorded.
        case alone
        /// A step of the concurrent phase is running: accesses join its footprint.
        case step
        /// Between steps of the concurrent phase: no step owns an access made now.
        case between
    }

    /// The current mode (set by the execution).
    @exclusivity(unchecked) @usableFromInline var mode: Mode = .off
    /// The running step's accesses.
    @exclusivity(unchecked) @usableFromInline var current = Footprint()
    /// Check accesses (see `auditEnabledByDefault`).
    public let audit: Bool
    /// The memory budget (`ExecutionLimits.maxMemory`), set by the execution: a step that
    /// touches millions of objects (freeing 4 GB of frames at once) grows its footprint
    /// between two of the execution's budget checks.
    @exclusivity(unchecked) var maxMemory: UInt64?
    /// The footprint size at which the budget is checked next (doubling, as the storage).
    @exclusivity(unchecked) @usableFromInline var nextSizeCheck = 1 << 16
    /// Set when a step's footprint would take the process past `maxMemory` (the resident
    /// size it would reach): recording stops, and the execution stops at its next
    /// scheduling point, uncounted.
    @exclusivity(unchecked) public private(set) var overBudget: UInt64?
    /// What the audit found, in order.
    @exclusivity(unchecked) public private(set) var findings: [String] = []
    /// Checks each step of the concurrent phase when auditing (the model compares its
    /// state before and after the step with the step's writes). Held weakly: the model
    /// state that audits itself usually owns the log.
    public weak var auditor: StepAuditor?

    /// Audit by default: in debug builds (the test suite) unless `MMSIM_AUDIT=0`, and in
    /// any build with `MMSIM_AUDIT=1` or `MMSIM_AUDIT=full` (which audits the fine-grained
    /// stores too: struct pages, page tables, mms).
    public static let auditEnabledByDefault: Bool = {
        let env = getenv("MMSIM_AUDIT").map { String(cString: $0) }
        if env == "1" || env == "full" { return true }
        if env == "0" { return false }
        #if DEBUG
        return true
        #else
        return false
        #endif
    }()

    /// Creates a log; `audit` defaults to `auditEnabledByDefault`.
    public init(audit: Bool = AccessLog.auditEnabledByDefault) {
        self.audit = audit
    }

    /// The running step's accesses so far.
    public var currentFootprint: Footprint { current }

    /// Whether an access now would be recorded or audited (callers that compute an
    /// object's identity at some cost check this first).
    @inlinable public var isActive: Bool { mode.rawValue >= Mode.step.rawValue }

    /// Whether accesses are being recorded into a step right now.
    @inlinable public var isRecording: Bool { mode == .step }

    /// Records a read of `object` by the running step.
    @inlinable @inline(__always) public func read(_ object: ObjectID) {
        if mode.rawValue >= Mode.step.rawValue { record(object, .read) }
    }

    /// Records a write of `object` by the running step.
    @inlinable @inline(__always) public func write(_ object: ObjectID) {
        if mode.rawValue >= Mode.step.rawValue { record(object, .write) }
    }

    /// Records that the running step subtracted `amount` from the counter `object` and
    /// then tested only whether it fell to a threshold, which it stayed `room` above: a
    /// `decrement` when `room` > 0 (and the amount fits), else a write. All decrements of
    /// `object` must measure `room` from the same threshold (`AccessKind.decrement`).
    @inlinable @inline(__always)
    public func decrement(_ object: ObjectID, amount: Int32, room: Int32) {
        guard mode.rawValue >= Mode.step.rawValue else { return }
        guard room > 0, amount > 0, amount <= Int32(UInt16.max) else {
            return record(object, .write)
        }
        if mode == .step {
            current.addDecrement(object, amount: UInt16(amount), room: room)
            if current.count >= nextSizeCheck { footprintGrew() }
        } else {
            record(object, .decrement)
        }
    }

    /// Says that the running step, which wrote `object`, has put back the value it read
    /// there at the step's start (a lock taken and released within one step): to every
    /// other thread the step only read it, and its access becomes a read. Where the
    /// footprint's lookup does not see the object, it stays a write (conservative).
    @inlinable public func restored(_ object: ObjectID) {
        if mode == .step { current.restore(object) }
    }

    /// Records a commuting update of `object` by the running step.
    @inlinable @inline(__always) public func update(_ object: ObjectID) {
        if mode.rawValue >= Mode.step.rawValue { record(object, .update) }
    }

    /// Records an access of `kind`.
    @inlinable @inline(__always) public func access(_ object: ObjectID, _ kind: AccessKind) {
        if mode.rawValue >= Mode.step.rawValue { record(object, kind) }
    }

    @usableFromInline func record(_ object: ObjectID, _ kind: AccessKind) {
        if mode == .step {
            current.add(object, kind)
            if current.count >= nextSizeCheck { footprintGrew() }
        } else if audit {
            finding("\(kind) of \(object) outside any step "
                    + "(before a thread's first scheduling point)")
        }
    }

    /// A step's footprint reached `nextSizeCheck`: stops recording when its next doubling
    /// would take the process past the memory budget.
    @usableFromInline func footprintGrew() {
        nextSizeCheck *= 2
        guard let max = maxMemory, let rss = residentBytes() else { return }
        let growth = UInt64(current.count) * 2 * UInt64(MemoryLayout<Access>.stride)
        guard rss + growth > max else { return }
        overBudget = rss + growth
        current = Footprint()
        mode = .off
    }

    /// Adds an audit finding.
    public func finding(_ text: String) {
        if findings.count < 16 { findings.append(text) }
    }

    /// Starts a phase or step (execution only).
    func enter(_ mode: Mode) {
        self.mode = mode
    }

    /// The concurrent phase starts: the auditor takes its baseline (execution only).
    func concurrentPhaseStarts() {
        if audit { auditor?.baseline() }
    }

    /// Ends the running step and returns its footprint (execution only).
    func takeStep() -> Footprint {
        let fp = current.sealed()
        current = Footprint()
        // A step cut off by the memory budget recorded only part of what it touched; the
        // execution is not counted, so there is nothing to audit.
        if audit, overBudget == nil, let auditor {
            for f in auditor.check(fp) { finding(f) }
        }
        return fp
    }
}

/// A second line of defence behind instrumented objects, in audit mode: after every step
/// of the concurrent phase the model compares its shared state with what it was before
/// the step, and reports each object that changed but that the step's footprint does not
/// write (an access that went around its object's accessor).
public protocol StepAuditor: AnyObject {
    /// The concurrent phase starts: remember the state as it is now.
    func baseline()
    /// A step with `footprint` just ended: the objects that changed since the previous
    /// baseline without a write in `footprint`, described; then take a new baseline.
    func check(_ footprint: Footprint) -> [String]
}

/// What an execution does when a thread reaches a scheduling point. The explorer's
/// execution implements it; `ExecThread` forwards to it.
public protocol SchedulingDriver: AnyObject {
    /// Park `thread` before its next step; return when it may run it.
    func schedulingPoint(_ thread: ExecThread) async
    /// The log the running step's accesses go to.
    var log: AccessLog { get }
    /// Park `thread` until another thread wakes `object`.
    func block(_ thread: ExecThread, on object: ObjectID) async
    /// Make every thread blocked on `object` runnable again.
    func wake(_ object: ObjectID, by thread: ExecThread)
    /// Whether a thread is blocked on `object` (a read of its wait queue).
    func hasWaiters(on object: ObjectID, by thread: ExecThread) -> Bool
    /// Park `thread` until `condition` holds (evaluated between steps).
    func block(_ thread: ExecThread, until condition: @escaping () -> Bool,
               on object: ObjectID) async
    /// Start a new thread (a hardware agent such as a DMA engine) in this execution.
    func spawn(_ name: String, by thread: ExecThread, _ body: @escaping (ExecThread) async -> Void)
    /// Record a trace note for the step `thread` is running.
    func note(_ thread: ExecThread, _ text: String)
}

/// A thread's handle into the explorer, passed to every piece of model code that runs on
/// that thread. A detached handle (no driver) runs every step at once: used to run model
/// code sequentially outside any exploration, e.g. in unit tests.
public final class ExecThread {
    /// Index of the thread in its execution (0, 1, ...; agents spawned later come after).
    public let index: Int
    /// The thread's name as the scenario or the model named it ("T0", "dma0", ...).
    public let name: String
    /// The driver, or nil for a detached handle.
    public unowned(unsafe) var driver: SchedulingDriver?
    /// True while the execution records a trace; model code builds notes only then.
    @exclusivity(unchecked) public var isTracing: Bool = false
    /// How many serials `nextSerial` has handed out.
    @exclusivity(unchecked) private var serials = 0
    /// Counts the thread's scheduling points and blocks: two calls that see the same
    /// value run in one step (nothing else ran between them).
    @exclusivity(unchecked) public private(set) var stepSerial: UInt64 = 0

    /// Counts a scheduling point or block (`stepSerial`).
    @usableFromInline func countStep() { stepSerial &+= 1 }

    /// Numbers what this thread creates (0, 1, ...). The count is the thread's own, so an
    /// identity made of it and the thread's name is the same whatever the other threads
    /// did first; a counter shared by the threads would be shared state every creation
    /// reads and writes, and would rename objects between interleavings that DPOR counts
    /// as equivalent (a sleeping thread's recorded step then names another object).
    public func nextSerial() -> Int {
        defer { serials += 1 }
        return serials
    }

    /// Creates a handle. Explorers create these; model code only receives them.
    public init(index: Int, name: String, driver: SchedulingDriver?) {
        self.index = index
        self.name = name
        self.driver = driver
    }

    /// A handle not attached to any execution.
    public static func detached(index: Int = 0, name: String = "T0") -> ExecThread {
        ExecThread(index: index, name: name, driver: nil)
    }

    /// A scheduling point: another thread may run before this call returns. The step
    /// that follows is the code up to the thread's next scheduling point; its footprint
    /// is what the instrumented objects it touches record in the execution's log.
    @inlinable public func step() async {
        countStep()
        if let driver { await driver.schedulingPoint(self) }
    }

    /// A scheduling point whose step accesses `object` (loom's atomics: the access is
    /// the branch point). For programs whose objects are plain identities, such as the
    /// explorer's own tests; model code uses instrumented objects and `step()`.
    @inlinable public func step(_ object: ObjectID, _ kind: AccessKind) async {
        countStep()
        if let driver {
            await driver.schedulingPoint(self)
            driver.log.access(object, kind)
        }
    }

    /// Records an access of the running step to `object` (what an instrumented object's
    /// accessor does; for programs that keep their objects as plain identities).
    @inlinable public func record(_ object: ObjectID, _ kind: AccessKind) {
        driver?.log.access(object, kind)
    }

    /// Sleep until another thread wakes `object`. The caller re-checks its condition after.
    /// On a detached handle nobody could wake it: that is a model error and traps.
    public func block(on object: ObjectID) async {
        guard let driver else {
            preconditionFailure("a detached thread blocked on \(object): nothing can wake it")
        }
        countStep()
        await driver.block(self, on: object)
    }

    /// Sleep until `condition` holds; nobody needs to wake the thread. The explorer
    /// evaluates `condition` between steps, so it must read its data without recording
    /// (and touch nothing); the step the thread runs once woken must read, through
    /// instrumented accessors, everything `condition` depends on: that read is what orders
    /// the woken step after the steps that made `condition` true. This is how a wait for
    /// a count to drain (wait_for_completion on a percpu_ref's release) lets the puts stay
    /// commuting updates: no put has to be the one that wakes. `object` names the wait
    /// queue (for traces and deadlock reports).
    public func block(until condition: @escaping () -> Bool, on object: ObjectID) async {
        guard let driver else {
            preconditionFailure("a detached thread blocked on \(object): nothing can wake it")
        }
        countStep()
        await driver.block(self, until: condition, on: object)
    }

    /// Wake every thread blocked on `object`.
    @inlinable public func wake(_ object: ObjectID) {
        driver?.wake(object, by: self)
    }

    /// Whether a thread is blocked on `object`: a read of its wait queue, which a later
    /// block on it conflicts with (false on a detached handle: nothing blocks there).
    @inlinable public func hasWaiters(on object: ObjectID) -> Bool {
        driver?.hasWaiters(on: object, by: self) ?? false
    }

    /// Start an agent thread in the same execution.
    /// On a detached handle there is no execution to run it in: a model error, which traps.
    public func spawn(_ name: String, _ body: @escaping (ExecThread) async -> Void) {
        guard let driver else {
            preconditionFailure("a detached thread cannot spawn agent \(name)")
        }
        driver.spawn(name, by: self, body)
    }

    /// Attach a note to the current step's trace line; `text` is evaluated only when tracing.
    @inlinable public func note(_ text: @autoclosure () -> String) {
        if isTracing, let driver { driver.note(self, text()) }
    }
}
