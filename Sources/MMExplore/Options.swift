// What the caller asks `explore` for, and what it gets back.

/// How the executions of a plan are chosen.
public enum Strategy: Hashable, Sendable {
    /// One execution: each thread runs until it ends or blocks, then the lowest-index
    /// enabled thread runs.
    case sequential
    /// Every non-equivalent interleaving, by dynamic partial-order reduction (source
    /// sets + sleep sets): one execution per Mazurkiewicz trace.
    case dpor
    /// Every interleaving, without reduction (validates DPOR; small programs only).
    case naive
    /// `runs` executions, each choosing uniformly among enabled threads; deterministic
    /// for a given seed.
    case random(seed: UInt64, runs: Int)
    /// `runs` executions of probabilistic concurrency testing (Burckhardt et al. 2010)
    /// for bugs of depth `depth`; deterministic for a given seed.
    case pct(depth: Int, runs: Int, seed: UInt64)
}

/// Progress of a running exploration, reported to `ExploreOptions.progress`.
public struct ExploreProgress: Sendable {
    /// Executions finished so far.
    public var executions: Int
    /// Seconds since the exploration started.
    public var elapsed: Double
}

/// Options of one exploration.
public struct ExploreOptions {
    /// The strategy.
    public var strategy: Strategy
    /// Explore only schedules with at most this many preemptions (switching away from a
    /// thread that could have continued). With `.dpor` the bounded search is done
    /// without partial-order reduction (see DFS.swift), by iterative deepening: bound 0,
    /// then 1, ... (Deepening.swift); nil for no bound.
    public var preemptionBound: Int?
    /// Stop (incomplete) after this many executions; nil for no limit.
    public var maxExecutions: Int?
    /// Stop (incomplete) after this many seconds; nil for no limit.
    public var timeout: Double?
    /// Stop (incomplete) when the process's resident memory exceeds this many bytes,
    /// checked inside executions as `timeout` is; nil for no limit.
    public var maxMemory: UInt64?
    /// Worker OS threads. The report does not depend on it (except under `timeout`).
    public var jobs: Int
    /// With `timeout` and no `preemptionBound`: when DPOR does not finish in half the
    /// time, spend the rest exploring by increasing preemption bound (Deepening.swift), so
    /// that what the timeout leaves unexplored needs the most preemptions.
    public var deepenOnBudget = false
    /// Explore only this shard of the tree (naive and DPOR; other strategies are one part,
    /// shard 1's); the report then carries the shard's parts for `mergeParts`.
    public var shard: Shard?
    /// Stop at the first execution whose outcome is interesting.
    public var stopAtFirstInteresting: Bool
    /// Called at most about four times a second with the progress, on the calling thread.
    public var progress: ((ExploreProgress) -> Void)?
    /// Polled before each execution (from any worker) and inside executions where
    /// `timeout` is checked: once it returns true the exploration stops, incomplete, with
    /// reason "interrupted", keeping what it explored (Ctrl-C).
    public var interruptRequested: (@Sendable () -> Bool)?
    /// DPOR: count the backtrack points race analysis adds by the objects the racing steps
    /// conflict on (`ExploreReport.profile`), to tell which objects make the tree large.
    public var profile = false
    /// Naive and DPOR: name the Mazurkiewicz class of every counted execution
    /// (`ExploreReport.classes`), to compare what two searches covered (Classes.swift).
    public var collectClasses = false

    /// Creates options; by default DPOR, no budget, one job.
    public init(
        strategy: Strategy = .dpor, preemptionBound: Int? = nil, maxExecutions: Int? = nil,
        timeout: Double? = nil, maxMemory: UInt64? = nil, jobs: Int = 1,
        stopAtFirstInteresting: Bool = false,
        progress: ((ExploreProgress) -> Void)? = nil
    ) {
        self.strategy = strategy
        self.preemptionBound = preemptionBound
        self.maxExecutions = maxExecutions
        self.timeout = timeout
        self.maxMemory = maxMemory
        self.jobs = jobs
        self.stopAtFirstInteresting = stopAtFirstInteresting
        self.progress = progress
    }
}

/// The result of an exploration.
public struct ExploreReport<Outcome: Hashable> {
    /// Complete executions explored (sleep-set-blocked DPOR prefixes are not counted).
    public var executions: Int
    /// Each distinct outcome with the number of executions that produced it, in the
    /// order first seen.
    public var outcomes: [(outcome: Outcome, count: Int)]
    /// The schedule of the first execution (in exploration order) of each outcome,
    /// parallel to `outcomes`: replaying one reproduces an execution with that outcome.
    public var firstSchedules: [Schedule] = []
    /// The first execution (in exploration order) whose outcome was interesting.
    public var firstInteresting: (outcome: Outcome, schedule: Schedule)?
    /// False when a budget or `stopAtFirstInteresting` ended the exploration early.
    public var complete: Bool
    /// Why it stopped early ("max-executions", "timeout", "max-memory",
    /// "first-interesting", "interrupted"), or nil. Timeout and memory are checked inside
    /// executions too; the execution they cut is not counted.
    public var stopReason: String?
    /// Wall-clock seconds.
    public var elapsed: Double
    /// Steps over all counted executions.
    public var totalSteps: Int
    /// For PCT: the probability bound 1/(t * k^(d-1)) of finding a given depth-d bug in
    /// one run, with t threads and k steps estimated from the first run.
    public var pctBound: Double?
    /// DPOR prefixes abandoned because every enabled thread was asleep (redundant work).
    public var redundant: Int
    /// Iterative deepening (with a preemption bound, or after a budget): every schedule
    /// with at most this many preemptions was explored; nil when no bound was completed
    /// or the exploration was not by bound.
    public var completeUpToPreemptions: Int?
    /// DPOR did not finish in half the timeout and the rest went to deepening.
    public var deepenedAfterBudget = false
    /// With `ExploreOptions.shard`: the number of parts the tree was cut into.
    public var partCount: Int?
    /// With `ExploreOptions.shard`: the results of the parts the shard explored.
    public var parts: [ExplorePart<Outcome>]?
    /// The test hash the caller passed, for `firstInterestingToken`.
    public var testHash: UInt32
    /// With `ExploreOptions.profile` (DPOR): the backtrack points race analysis added, by
    /// the objects the racing steps conflicted on (RaceProfile.swift).
    public var profile: RaceProfile? = nil
    /// With `ExploreOptions.collectClasses`: the class of every counted execution.
    public var classes: Set<TraceClass>? = nil
    /// With `ExploreOptions.collectClasses`: counted executions whose class an earlier
    /// one already had (zero for a search that explores each class once).
    public var repeatedClasses = 0

    /// With more than one job, DPOR: the subtrees explored ahead of time on another core
    /// (Speculation.swift). Never part of what a report says about the program: the
    /// executions and outcomes are those of one job.
    public var speculation = SpeculationCount()

    /// The replay token of `firstInteresting`, if any.
    public var firstInterestingToken: String? {
        firstInteresting?.schedule.token(testHash: testHash)
    }
}

/// Subtrees a DPOR exploration with several jobs explored ahead of time on another core.
public struct SpeculationCount: Sendable, Equatable {
    /// Subtrees taken over as explored, and the counted executions speculative explorers
    /// ran in them (each once, nested speculations included).
    public var taken = 0
    public var executions = 0
    /// Subtrees dropped because what they started from changed before they were reached.
    public var dropped = 0

    public init() {}

    /// Adds another exploration's counts.
    public mutating func add(_ other: SpeculationCount) {
        taken += other.taken
        executions += other.executions
        dropped += other.dropped
    }
}
