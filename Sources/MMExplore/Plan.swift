// What one execution runs and what it reports back.

/// One execution's program: a prologue that runs alone (the scenario's `init`),
/// concurrent threads, an epilogue that runs alone after every thread ended (`finally`).
///
/// The prologue and the epilogue each run as a thread of index 0 ("init", "finally");
/// their scheduling points are never choices. An agent spawned during the prologue or
/// epilogue runs within that phase, after the spawner in index order (still not a
/// choice). The concurrent threads get indices 0..<threads.count; agents spawned while
/// they run get the following indices.
public struct ExecutionPlan {
    /// Runs alone before the threads; nil for none.
    public var prologue: ((ExecThread) async -> Void)?
    /// The concurrent threads, in index order.
    public var threads: [(name: String, body: (ExecThread) async -> Void)]
    /// Runs alone after every thread ended; skipped when the threads deadlocked.
    public var epilogue: ((ExecThread) async -> Void)?

    /// Where the program's instrumented objects record their accesses; nil for a
    /// program whose steps use `ExecThread.step(_:_:)` only (a fresh log is used).
    public var log: AccessLog?

    /// Creates a plan.
    public init(
        prologue: ((ExecThread) async -> Void)? = nil,
        threads: [(name: String, body: (ExecThread) async -> Void)],
        epilogue: ((ExecThread) async -> Void)? = nil,
        log: AccessLog? = nil
    ) {
        self.log = log
        self.prologue = prologue
        self.threads = threads
        self.epilogue = epilogue
    }
}

/// How an execution ended, handed to the caller's `finish` closure.
public struct ExecutionEnd: Hashable, Sendable {
    /// True when no thread could run while some were blocked (the epilogue did not run).
    public var deadlocked: Bool
    /// Names of the threads still blocked at the end (empty unless deadlocked).
    public var blocked: [String]
    /// Steps executed, in every phase.
    public var steps: Int
    /// Why the execution was cut short while threads could still run, or nil when it ran
    /// to its end (or deadlocked). The threads of a stopped execution stay parked.
    public var stopped: ExecutionStop?

    /// Creates an end record.
    public init(deadlocked: Bool, blocked: [String], steps: Int, stopped: ExecutionStop? = nil) {
        self.deadlocked = deadlocked
        self.blocked = blocked
        self.steps = steps
        self.stopped = stopped
    }
}

/// Why an execution stopped in the middle (see `ExecutionEnd.stopped`).
public enum ExecutionStop: Hashable, Sendable {
    /// The exploration's `timeout` passed (checked at scheduling points).
    case timeout
    /// The process's resident memory exceeded the exploration's `maxMemory` (bytes seen).
    case memory(resident: UInt64)
    /// The exploration's `interruptRequested` returned true (Ctrl-C).
    case interrupted
    /// The model spawned more threads than an execution can hold (`Execution.maxThreads`):
    /// a limit of the explorer hit by the model, reported as an internal error.
    case tooManyThreads(agent: String)

    /// True for the budget stops (timeout, memory, Ctrl-C): the execution is not counted
    /// and the exploration ends incomplete.
    public var isBudget: Bool {
        if case .tooManyThreads = self { return false }
        return true
    }

    /// The stop reason an exploration report gives ("timeout", "max-memory",
    /// "interrupted"), or the internal error's text.
    public var reason: String {
        switch self {
        case .timeout: return "timeout"
        case .memory: return "max-memory"
        case .interrupted: return "interrupted"
        case .tooManyThreads(let agent):
            return "agent \(agent) would be thread \(maxExecutionThreads + 1) of the execution; "
                + "the explorer runs at most \(maxExecutionThreads) (threads and agents)"
        }
    }
}

/// Threads (scenario threads and the agents the model spawns, such as DMA engines)
/// one execution can run: the explorer keeps the enabled set in 64 bits.
public let maxExecutionThreads = 64

/// Budgets checked inside one execution, at its scheduling points.
public struct ExecutionLimits: Sendable {
    /// Monotonic deadline in seconds (`DispatchTime` uptime), nil for none.
    public var deadline: Double?
    /// Resident memory of the process, in bytes, above which the execution stops.
    public var maxMemory: UInt64?
    /// Polled as the other budgets are: once it returns true the execution stops (Ctrl-C).
    public var interruptRequested: (@Sendable () -> Bool)?

    /// Creates limits; none by default.
    public init(deadline: Double? = nil, maxMemory: UInt64? = nil,
                interruptRequested: (@Sendable () -> Bool)? = nil) {
        self.deadline = deadline
        self.maxMemory = maxMemory
        self.interruptRequested = interruptRequested
    }

    /// Limits starting now: `timeout` seconds from now, `maxMemory` bytes resident.
    public static func from(timeout: Double?, maxMemory: UInt64?) -> ExecutionLimits {
        ExecutionLimits(deadline: timeout.map { now() + $0 }, maxMemory: maxMemory)
    }
}

/// One step of a replayed execution: who ran it and the notes its code recorded.
public struct TraceStep: Hashable, Sendable {
    /// Index of the thread in its phase (prologue and epilogue are thread 0).
    public var thread: Int
    /// The thread's name ("init" and "finally" for prologue and epilogue).
    public var threadName: String
    /// The `ExecThread.note` texts recorded during the step, in order.
    public var notes: [String]
    /// True for a step of the concurrent phase (false for init, finally, and the notes a
    /// thread made before its first step).
    public var concurrent: Bool
    /// The shared objects the step touched (its recorded footprint): with `waits`, what
    /// orders it against other threads' steps. Empty outside the concurrent phase, where
    /// nothing is recorded.
    public var footprint: Footprint
    /// The wait queues the step blocked on (updates), woke (writes; reads when it found no
    /// waiter) or was the first step after a wake of (updates). A
    /// table apart from `footprint`, as the explorer keeps them (see DPOR.swift): a queue
    /// orders steps only against steps of the same queue, not against its object's data.
    public var waits: Footprint

    /// Creates a trace step.
    public init(thread: Int, threadName: String, notes: [String], concurrent: Bool = false,
                footprint: Footprint = Footprint(), waits: Footprint = Footprint()) {
        self.thread = thread
        self.threadName = threadName
        self.notes = notes
        self.concurrent = concurrent
        self.footprint = footprint
        self.waits = waits
    }

    /// True when this step and `other` are ordered by what they touched: their footprints
    /// conflict, or they both wrote one wait queue.
    public func dependent(_ other: TraceStep) -> Bool {
        footprint.conflicts(with: other.footprint) || waits.conflicts(with: other.waits)
    }
}
