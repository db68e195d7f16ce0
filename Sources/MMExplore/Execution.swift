// One execution: the threads of a plan, parked at scheduling points, run one step at a
// time on a `LoopExecutor`, in the order a `Chooser` decides.
//
// Protocol between threads: a decision ("who runs the next step") is taken by the
// thread that leaves the CPU (reaches a scheduling point, blocks or ends), but only once
// every live thread has settled, i.e. reached its first scheduling point. A thread
// created at phase start or by `spawn` runs its code up to that first point eagerly;
// the seam requires that code to touch nothing shared. If the decision picks the
// calling thread, `schedulingPoint` returns without suspending (the fast path).

/// What a strategy decides at each step of the concurrent phase.
protocol Chooser: AnyObject {
    /// Returns the thread (a set bit of `enabled`) that runs the next step.
    /// Called for every step, also when only one thread is enabled.
    func choose(_ x: Execution, enabled: UInt64) -> Int
}

/// One step as recorded for dependency analysis (DPOR).
struct StepRecord {
    /// The thread that ran the step.
    var thread: Int32
    /// Index of the step whose wake made this (resume-from-block) step enabled, or -1.
    var enabler: Int32
    /// Index of the step that spawned this thread, when this is its first step, or -1.
    var spawner: Int32
    /// The objects the step touched, as its instrumented objects recorded them.
    var fp: Footprint
    /// Wait queues the step blocked on (updates), woke (writes; reads when it found no
    /// waiter) or was the first step after a wake of (updates): apart from the data
    /// footprint.
    var extra: [Access]
}

final class Execution: SchedulingDriver {
    enum Status: UInt8 { case starting, parked, running, blocked, ended }

    struct Slot {
        let handle: ExecThread
        var cont: UnsafeContinuation<Void, Never>?
        var status: Status = .starting
        /// The object whose wake made the thread runnable again; its next step re-examines it.
        var wokenOn: ObjectID?
        var blockedOn = ObjectID(0)
        /// For a thread blocked `until` a condition: the condition (else woken explicitly).
        var until: (() -> Bool)?
        var enabler: Int32 = -1
        var spawner: Int32 = -1
    }

    let executor = LoopExecutor()
    let chooser: Chooser
    /// Where instrumented objects record the running step's accesses.
    let log: AccessLog
    /// The thread whose step is open in the log (its accesses are being recorded), or -1.
    @exclusivity(unchecked) private var stepOwner = -1
    /// Record footprints at all (DPOR needs them; the audit checks them).
    @exclusivity(unchecked) private var logging = false
    /// Record a `StepRecord` per concurrent step (DPOR needs them).
    let recording: Bool
    /// Record trace notes (replay).
    let tracing: Bool

    @exclusivity(unchecked) private(set) var slots: [Slot] = []
    @exclusivity(unchecked) private var starting = 0
    @exclusivity(unchecked) private var alone = true
    /// The thread that ran the previous step of this phase, or -1.
    @exclusivity(unchecked) private(set) var last = -1
    /// Steps of the concurrent phase taken so far (index of the next one).
    @exclusivity(unchecked) private(set) var stepIndex = 0
    /// Steps in all phases.
    @exclusivity(unchecked) private(set) var totalSteps = 0
    /// Thread chosen at each concurrent step that had more than one enabled thread.
    @exclusivity(unchecked) private(set) var choices: [Int] = []
    /// Per concurrent step, when `recording`.
    @exclusivity(unchecked) var records: [StepRecord] = []
    /// Per step of every phase, when `tracing`.
    @exclusivity(unchecked) private(set) var trace: [TraceStep] = []
    /// Index in `trace` of the latest concurrent step, when `tracing` (its footprint goes there).
    @exclusivity(unchecked) private var tracedStep = -1
    @exclusivity(unchecked) private(set) var deadlocked = false
    @exclusivity(unchecked) private(set) var blockedNames: [String] = []
    /// Budgets checked at scheduling points.
    let limits: ExecutionLimits
    /// Set when the execution was cut short; no thread runs after that.
    @exclusivity(unchecked) private(set) var stopped: ExecutionStop?
    /// Steps (all phases) until the next budget check.
    @exclusivity(unchecked) private var untilCheck = Execution.checkInterval

    /// Steps between two budget checks: a deadline check costs a clock read, a memory
    /// check reads /proc/self/statm; a step costs about a microsecond.
    static let checkInterval = 256

    init(chooser: Chooser, recording: Bool = false, tracing: Bool = false,
         limits: ExecutionLimits = ExecutionLimits(), log: AccessLog? = nil) {
        self.chooser = chooser
        self.log = log ?? AccessLog()
        logging = recording || tracing || self.log.audit
        self.recording = recording
        self.tracing = tracing
        self.limits = limits
        choices.reserveCapacity(64)
        if recording { records.reserveCapacity(64) }
    }

    /// Runs the whole plan on the calling OS thread and reports how it ended.
    func run(_ plan: ExecutionPlan) -> ExecutionEnd {
        if let prologue = plan.prologue {
            runPhase([("init", prologue)], alone: true)
        }
        if !deadlocked && stopped == nil {
            runPhase(plan.threads, alone: false)
        }
        if !deadlocked && stopped == nil, let epilogue = plan.epilogue {
            runPhase([("finally", epilogue)], alone: true)
        }
        return ExecutionEnd(deadlocked: deadlocked, blocked: blockedNames, steps: totalSteps,
                            stopped: stopped)
    }

    private func runPhase(_ threads: [(name: String, body: (ExecThread) async -> Void)],
                          alone: Bool) {
        slots.removeAll(keepingCapacity: true)
        starting = 0
        last = -1
        stepOwner = -1
        self.alone = alone
        log.enter(alone ? .alone : logging ? .between : .off)
        if !alone { log.concurrentPhaseStarts() }
        for t in threads { start(t.name, t.body, spawner: -1) }
        executor.drain()
        // A stopped execution leaves its threads parked for good (like a deadlock's).
        if stopped != nil { return }
        // Every thread has now ended or is blocked forever; anything else means a job
        // left our executor (model code isolated to an actor), which we cannot drive.
        for s in slots where s.status != .ended && s.status != .blocked {
            preconditionFailure(
                "thread \(s.handle.name) left the explorer's executor; "
                    + "model code must be nonisolated")
        }
        let blocked = slots.filter { $0.status == .blocked }
        if !blocked.isEmpty {
            // The blocked tasks stay suspended forever: Swift cannot unwind them. Their
            // memory is leaked, once per deadlocked execution.
            deadlocked = true
            blockedNames = blocked.map { $0.handle.name }
        }
    }

    private func start(_ name: String, _ body: @escaping (ExecThread) async -> Void,
                       spawner: Int32) {
        if slots.count >= maxExecutionThreads {
            // The model asked for more threads than the explorer can run: stop the
            // execution (its caller reports an internal error) rather than trap.
            if stopped == nil { stopped = .tooManyThreads(agent: name) }
            return
        }
        let handle = ExecThread(index: slots.count, name: name, driver: self)
        handle.isTracing = tracing
        var slot = Slot(handle: handle)
        slot.spawner = spawner
        slots.append(slot)
        starting += 1
        // unowned(unsafe): a task that deadlocks never finishes; it must not keep the
        // execution alive, and it never touches it again either.
        unowned(unsafe) let me = self
        _ = Task(executorPreference: executor) {
            await body(handle)
            me.ended(handle.index)
        }
    }

    // MARK: decisions

    /// Picks the thread for the next step, marks it running and records the step;
    /// -1 when no thread is enabled (the phase is over).
    private func decide() -> Int {
        if stopped != nil || !withinLimits() { return -1 }
        var enabled: UInt64 = 0
        for i in slots.indices {
            if slots[i].status == .blocked, let until = slots[i].until, until() {
                slots[i].status = .parked
                slots[i].until = nil
                slots[i].wokenOn = slots[i].blockedOn
            }
            if slots[i].status == .parked { enabled |= 1 << UInt64(i) }
        }
        if enabled == 0 { return -1 }
        let n: Int
        if alone {
            // Alone phases run sequentially: keep the current thread, else the lowest.
            let lastEnabled = last >= 0 && enabled & (1 << UInt64(last)) != 0
            n = lastEnabled ? last : enabled.trailingZeroBitCount
        } else {
            n = chooser.choose(self, enabled: enabled)
            precondition(enabled & (1 << UInt64(n)) != 0,
                         "strategy chose a thread that is not enabled")
            if enabled & (enabled - 1) != 0 { choices.append(n) }
            if recording {
                if records.count == records.capacity && !recordsCanGrow() { return -1 }
                var extra: [Access] = []
                if let o = slots[n].wokenOn { extra.append(Access(o, .update)) }
                records.append(StepRecord(thread: Int32(n), enabler: slots[n].enabler,
                                          spawner: slots[n].spawner, fp: Footprint(), extra: extra))
            }
            stepIndex += 1
            if logging {
                stepOwner = n
                log.enter(.step)
            }
        }
        let wokenOn = slots[n].wokenOn
        slots[n].wokenOn = nil
        slots[n].enabler = -1
        slots[n].spawner = -1
        slots[n].status = .running
        last = n
        totalSteps += 1
        if tracing {
            if !alone { tracedStep = trace.count }
            trace.append(TraceStep(thread: n, threadName: slots[n].handle.name, notes: [],
                                   concurrent: !alone,
                                   waits: alone
                                       ? Footprint()
                                       : wokenOn.map { Footprint($0, .update) } ?? Footprint()))
        }
        return n
    }

    /// Before the step records double their storage: false (and `stopped` set) when the
    /// new storage would take the process past `maxMemory`. An execution of millions of
    /// steps (touching 16G page by page) would otherwise pass the budget by the size of
    /// the copy, between two of `withinLimits`' checks.
    private func recordsCanGrow() -> Bool {
        guard let max = limits.maxMemory, records.capacity >= 1 << 16,
              let rss = residentBytes() else { return true }
        let growth = UInt64(records.capacity) * 2 * UInt64(MemoryLayout<StepRecord>.stride)
        if rss + growth <= max { return true }
        stopped = .memory(resident: rss + growth)
        return false
    }

    /// Checks the budgets every `checkInterval` steps; false (and `stopped` set) when one
    /// is exhausted.
    private func withinLimits() -> Bool {
        untilCheck -= 1
        if untilCheck > 0 { return true }
        untilCheck = Execution.checkInterval
        if let deadline = limits.deadline, now() >= deadline {
            stopped = .timeout
            return false
        }
        if let max = limits.maxMemory, let rss = residentBytesThrottled(), rss > max {
            stopped = .memory(resident: rss)
            return false
        }
        if let interrupt = limits.interruptRequested, interrupt() {
            stopped = .interrupted
            return false
        }
        return true
    }

    /// Suspends thread `p` (its continuation is stored) and resumes thread `n` if >= 0.
    private func park(_ p: Int, resume n: Int) async {
        await withUnsafeContinuation { (c: UnsafeContinuation<Void, Never>) in
            slots[p].cont = c
            if n >= 0 { resumeThread(n) }
        }
    }

    private func resumeThread(_ n: Int) {
        let c = slots[n].cont.unsafelyUnwrapped
        slots[n].cont = nil
        c.resume()
    }

    /// Thread `p` left the CPU; decide who runs next, possibly `p` itself.
    private func leave(_ p: Int) async {
        if starting > 0 { return await park(p, resume: -1) }
        let n = decide()
        if n == p { return }
        await park(p, resume: n)
    }

    private func settle(_ p: Int) {
        if slots[p].status == .starting { starting -= 1 }
        if p == stepOwner { closeStep() }
    }

    /// The running step ended (its thread left the CPU): its recorded accesses become its
    /// footprint, and accesses until the next decision belong to no step.
    private func closeStep() {
        let fp = log.takeStep()
        if recording && !records.isEmpty { records[records.count - 1].fp = fp }
        if tracing && tracedStep >= 0 { trace[tracedStep].footprint.add(fp) }
        stepOwner = -1
        log.enter(.between)
    }

    /// Adds a wait queue the running step blocked on or woke to its recorded accesses
    /// (`extra`, and the trace step's `waits`: apart from the data footprint).
    private func addExtra(_ object: ObjectID, _ kind: AccessKind = .write) {
        if recording && !alone && !records.isEmpty {
            records[records.count - 1].extra.append(Access(object, kind))
        }
        if tracing && !alone && tracedStep >= 0 { trace[tracedStep].waits.add(object, kind) }
    }

    // MARK: SchedulingDriver

    func schedulingPoint(_ thread: ExecThread) async {
        let p = thread.index
        settle(p)
        slots[p].status = .parked
        await leave(p)
    }

    func block(_ thread: ExecThread, on object: ObjectID) async {
        let p = thread.index
        settle(p)
        // Joining a queue is a commuting update: a wake wakes every waiter, so two threads
        // blocking in either order leave the same set of waiters and nothing sees their
        // order. It conflicts with wakes (writes, or reads that found no waiter), with
        // hasWaiters reads and with woken steps.
        addExtra(object, .update)
        slots[p].status = .blocked
        slots[p].blockedOn = object
        await leave(p)
    }

    func block(_ thread: ExecThread, until condition: @escaping () -> Bool,
               on object: ObjectID) async {
        if condition() { return }
        let p = thread.index
        settle(p)
        addExtra(object)
        slots[p].status = .blocked
        slots[p].blockedOn = object
        slots[p].until = condition
        await leave(p)
    }

    func hasWaiters(on object: ObjectID, by thread: ExecThread) -> Bool {
        let waiters = slots.contains {
            $0.status == .blocked && $0.blockedOn == object && $0.until == nil
        }
        addExtra(object, .read)
        return waiters
    }

    func wake(_ object: ObjectID, by thread: ExecThread) {
        // A wake that finds no waiter changes nothing the queue holds: a read of it, not a
        // write. It still conflicts with a block on the queue (a waiter that checked its
        // condition in an earlier step and blocks after the wake has lost it: the other
        // order must be explored), but not with other such wakes: as a write it made every
        // unlock race with every other (the last reader's up_read wakes, whichever reader
        // is last).
        let waiters = slots.contains {
            $0.status == .blocked && $0.blockedOn == object && $0.until == nil
        }
        addExtra(object, waiters ? .write : .read)
        guard waiters else { return }
        for i in slots.indices where slots[i].status == .blocked && slots[i].blockedOn == object
            && slots[i].until == nil {
            slots[i].status = .parked
            // The step after waking updates the queue: it conflicts with wakes and
            // hasWaiters reads of it, not with blocks or other woken steps (it leaves the
            // waiters as they were, whoever blocks before or after it).
            slots[i].wokenOn = object
            slots[i].enabler = Int32(stepIndex - 1)
        }
    }

    func spawn(_ name: String, by thread: ExecThread,
               _ body: @escaping (ExecThread) async -> Void) {
        start(name, body, spawner: alone ? -1 : Int32(stepIndex - 1))
    }

    func note(_ thread: ExecThread, _ text: String) {
        guard tracing else { return }
        if trace.last?.thread != thread.index || trace.last?.threadName != thread.name {
            trace.append(TraceStep(thread: thread.index, threadName: thread.name, notes: []))
        }
        trace[trace.count - 1].notes.append(text)
    }

    /// Called by a thread's task after its body returned.
    func ended(_ p: Int) {
        settle(p)
        slots[p].status = .ended
        if starting > 0 { return }
        let n = decide()
        if n >= 0 { resumeThread(n) }
    }
}
