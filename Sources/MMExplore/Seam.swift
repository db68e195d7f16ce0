// The seam between model code and the explorer.
//
// Model code (MMKernel) is ordinary Swift `async` code. Before every step that another
// CPU could observe or interfere with, it calls `ExecThread.step(_:)` and declares the
// footprint of the step that follows (which shared objects it reads or writes). The
// explorer decides which thread runs next. That is the whole contract: the explorer
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

/// Whether a step reads or writes an object.
public enum AccessKind: UInt8, Sendable {
    /// The step only reads the object.
    case read
    /// The step may modify the object.
    case write
}

/// One object touched by a step.
public struct Access: Hashable, Sendable {
    /// The object.
    public var object: ObjectID
    /// Read or write.
    public var kind: AccessKind
    /// Creates an access.
    @inlinable public init(_ object: ObjectID, _ kind: AccessKind) {
        self.object = object
        self.kind = kind
    }
    /// Two accesses conflict when they touch the same object and one of them writes.
    @inlinable public func conflicts(with other: Access) -> Bool {
        object == other.object && (kind == .write || other.kind == .write)
    }
}

/// The objects one step touches: up to four, stored inline (no allocation per step).
public struct Footprint: Hashable, Sendable {
    @usableFromInline var a0 = Access(ObjectID(0), .read)
    @usableFromInline var a1 = Access(ObjectID(0), .read)
    @usableFromInline var a2 = Access(ObjectID(0), .read)
    @usableFromInline var a3 = Access(ObjectID(0), .read)
    /// Storage of `count`; internal-but-inlinable so the inlinable initialisers and
    /// `add` can set it (a `private(set)` setter cannot be used from `@inlinable` code).
    @usableFromInline var storedCount: Int = 0
    /// How many accesses are stored (0...4).
    @inlinable public var count: Int { storedCount }

    /// An empty footprint: the step touches nothing shared (a pure local step).
    @inlinable public init() {}
    /// A footprint of one access.
    @inlinable public init(_ object: ObjectID, _ kind: AccessKind) {
        a0 = Access(object, kind)
        storedCount = 1
    }

    /// Adds an access; a fifth access widens the last slot to a write of that object
    /// only if identical, otherwise it is kept by replacing nothing (callers declare at
    /// most four objects per step; more is a model bug and traps in debug builds).
    @inlinable public mutating func add(_ object: ObjectID, _ kind: AccessKind) {
        let access = Access(object, kind)
        switch count {
        case 0: a0 = access
        case 1: a1 = access
        case 2: a2 = access
        case 3: a3 = access
        default:
            assertionFailure("a step declares at most four objects")
            return
        }
        storedCount += 1
    }

    /// The access at `index` (0..<count).
    @inlinable public subscript(index: Int) -> Access {
        switch index {
        case 0: return a0
        case 1: return a1
        case 2: return a2
        default: return a3
        }
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
}

/// What an execution does when a thread reaches a scheduling point. The explorer's
/// execution implements it; `ExecThread` forwards to it.
public protocol SchedulingDriver: AnyObject {
    /// Park `thread` before a step with footprint `footprint`; return when it may run it.
    func schedulingPoint(_ thread: ExecThread, _ footprint: Footprint) async
    /// Park `thread` until another thread wakes `object`.
    func block(_ thread: ExecThread, on object: ObjectID) async
    /// Make every thread blocked on `object` runnable again.
    func wake(_ object: ObjectID, by thread: ExecThread)
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
    public var isTracing: Bool = false

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

    /// A scheduling point: the step that follows touches `footprint`. Another thread may
    /// run before this call returns.
    @inlinable public func step(_ footprint: Footprint) async {
        if let driver { await driver.schedulingPoint(self, footprint) }
    }

    /// A scheduling point before a step touching one object.
    @inlinable public func step(_ object: ObjectID, _ kind: AccessKind) async {
        if let driver { await driver.schedulingPoint(self, Footprint(object, kind)) }
    }

    /// Sleep until another thread wakes `object`. The caller re-checks its condition after.
    /// On a detached handle nobody could wake it: that is a model error and traps.
    public func block(on object: ObjectID) async {
        guard let driver else {
            preconditionFailure("a detached thread blocked on \(object): nothing can wake it")
        }
        await driver.block(self, on: object)
    }

    /// Wake every thread blocked on `object`.
    @inlinable public func wake(_ object: ObjectID) {
        driver?.wake(object, by: self)
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
