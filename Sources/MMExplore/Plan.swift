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

    /// Creates an end record.
    public init(deadlocked: Bool, blocked: [String], steps: Int) {
        self.deadlocked = deadlocked
        self.blocked = blocked
        self.steps = steps
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

    /// Creates a trace step.
    public init(thread: Int, threadName: String, notes: [String]) {
        self.thread = thread
        self.threadName = threadName
        self.notes = notes
    }
}
