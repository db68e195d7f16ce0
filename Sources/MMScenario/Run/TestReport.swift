import MMKernel

/// Everything a run of one test established: what the text and JSON reports print.
public struct TestReport: Codable, Hashable, Sendable {
    /// The file it came from.
    public var file: String
    /// The test's name.
    public var name: String
    /// `v5.10 -knob` as on the kernel line (the era alone when none).
    public var kernel: String
    /// "sequential", "DPOR", ...
    public var strategy: String
    /// Executions run.
    public var executions: Int
    /// Wall-clock seconds.
    public var seconds: Double
    /// Redundant DPOR prefixes: runs abandoned, uncounted, where every enabled thread
    /// was asleep (each cost part of an execution; executions + redundant were run).
    public var redundant = 0
    /// Exploration by increasing preemption bound (`--preemptions K`, or the rest of a
    /// `--timeout` DPOR did not finish in): every schedule with at most this many
    /// preemptions was explored; nil when not by bound or no bound was completed.
    public var completeUpToPreemptions: Int?
    /// False when a budget stopped the exploration early.
    public var complete: Bool
    /// Why it stopped early, if it did.
    public var stopReason: String?
    /// Violation kind → number of executions that had it, in kind order.
    public var violations: [ViolationCount]
    /// The final condition's observation, when the test has one.
    public var observation: ObservationCount?
    /// A token replaying the first violating execution (or the first witness).
    public var replayToken: String?
    /// Each expect line and whether it holds.
    public var expectations: [ExpectationResult]
    /// What the first violating execution's checkers said.
    public var firstViolationDetails: [String]
    /// The first violating execution's trace (one line per note), when replayed.
    public var trace: [String]
    /// The first violation's race sketch (its happens-before cone), when replayed.
    public var sketch: RaceSketch?
    /// Per-statement log of a sequential run (`--verbose`).
    public var log: [String]
    /// PCT's probability bound, when PCT ran.
    public var pctBound: Double?
    /// Model counters of the first execution (`--stats`).
    public var stats: [String: Int]
    /// Executions in which the model broke its own invariants (not kernel violations).
    public var internalErrorExecutions = 0
    /// The first such execution's internal errors and its trace, when there was one.
    public var internalErrors: [String] = []
    /// The first internal error's replay token.
    public var internalErrorToken: String?
    /// The setup step that failed (`FILE:LINE:COLUMN: setup error: ...`): the test stopped
    /// there and says nothing about the kernel.
    public var setupError: String?
    /// Violation kinds seen that no `expect violation` line names: each fails the test.
    public var unexpectedViolations: [String] = []
    /// The verdict, as `TestVerdict.rawValue` (set by `judge()`; in the JSON report).
    public var status: String = TestVerdict.passed.rawValue
    /// herd's "States": each distinct final state of the condition's variables with the
    /// number of executions that ended in it, in the order first reached.
    public var states: [StateCount] = []
    /// Executions that answer the condition, each with its token and trace: a witness
    /// (the condition holds) for `exists`/`~exists` and a failed `expect Never`, a
    /// counterexample (it does not) for `forall` and a failed `expect Always`.
    public var witnesses: [Witness] = []
    /// Statements refused in a sequential run (see `ScenarioRunner.refusals`): `init`
    /// statements that returned -errno, thread statements that returned -EINVAL.
    public var refusals: [String] = []
    /// `check --cross-check K`: what a preemption-bounded exploration (a subset of every
    /// interleaving) reached that this exploration did not. Non-empty means the explorer's
    /// reduction lost an outcome (a bug of mmsim, not of the kernel): the test fails.
    public var crossCheckMissed: [String] = []
    /// `check --profile`: where DPOR's executions come from (nil unless asked).
    public var raceProfile: RaceProfileReport?

    /// True when every expectation holds, no violation went unexpected, the exploration
    /// was complete enough to judge and the setup succeeded.
    public var passed: Bool { verdict == .passed }

    /// The verdict from the facts: a setup error first, then a failure (an expectation
    /// that does not hold, or an unexpected violation), then an expectation left
    /// undecided by a budget-stopped exploration.
    public var verdict: TestVerdict {
        if setupError != nil { return .setupError }
        if !crossCheckMissed.isEmpty { return .failed }
        if !unexpectedViolations.isEmpty
            || expectations.contains(where: { !$0.holds && !$0.inconclusive }) {
            return .failed
        }
        if expectations.contains(where: \.inconclusive) { return .inconclusive }
        return .passed
    }

    /// Stores `verdict` in `status` (call after changing the facts).
    public mutating func judge() { status = verdict.rawValue }

    /// Creates a report.
    public init(file: String, name: String, kernel: String, strategy: String, executions: Int,
                seconds: Double, complete: Bool, stopReason: String?,
                violations: [ViolationCount], observation: ObservationCount?,
                replayToken: String?, expectations: [ExpectationResult],
                firstViolationDetails: [String], trace: [String], log: [String],
                pctBound: Double?, stats: [String: Int]) {
        self.file = file
        self.name = name
        self.kernel = kernel
        self.strategy = strategy
        self.executions = executions
        self.seconds = seconds
        self.complete = complete
        self.stopReason = stopReason
        self.violations = violations
        self.observation = observation
        self.replayToken = replayToken
        self.expectations = expectations
        self.firstViolationDetails = firstViolationDetails
        self.trace = trace
        self.log = log
        self.pctBound = pctBound
        self.stats = stats
    }
}

/// What a test run came to.
public enum TestVerdict: String, Codable, Sendable {
    /// Every expectation holds and every violation seen was expected.
    case passed
    /// An expectation does not hold, or a violation no `expect` line names was seen.
    case failed
    /// A budget (timeout, max-memory, max-executions) stopped the exploration before some
    /// expectation could be decided; none failed.
    case inconclusive
    /// A setup step failed; nothing after it ran.
    case setupError = "setup-error"
}

/// One `Violation KIND: K of N executions` line.
public struct ViolationCount: Codable, Hashable, Sendable {
    /// The kind's stable name.
    public var kind: String
    /// Executions that had it.
    public var executions: Int

    /// Creates a line.
    public init(kind: String, executions: Int) {
        self.kind = kind
        self.executions = executions
    }
}

/// The `Observation NAME Never|Sometimes|Always POS NEG` line.
public struct ObservationCount: Codable, Hashable, Sendable {
    /// Never, Sometimes or Always.
    public var outcome: String
    /// Executions where the condition held.
    public var positive: Int
    /// Executions where it did not.
    public var negative: Int

    /// Creates a line.
    public init(outcome: String, positive: Int, negative: Int) {
        self.outcome = outcome
        self.positive = positive
        self.negative = negative
    }
}

/// One expect line's verdict.
public struct ExpectationResult: Codable, Hashable, Sendable {
    /// The line as written (`expect violation use-after-free`).
    public var line: String
    /// `FILE:LINE:COLUMN` of the line.
    public var location: String
    /// Whether it holds (false when inconclusive).
    public var holds: Bool
    /// The exploration stopped early and what it covered neither establishes nor refutes
    /// the expectation.
    public var inconclusive: Bool

    /// Creates a verdict.
    public init(line: String, location: String, holds: Bool, inconclusive: Bool = false) {
        self.line = line
        self.location = location
        self.holds = holds
        self.inconclusive = inconclusive
    }
}

/// One line of "States": a final state and how many executions ended in it.
public struct StateCount: Codable, Hashable, Sendable {
    /// `["T0:r=0", "T1:m=pmd"]`.
    public var values: [String]
    /// Executions that ended in it.
    public var executions: Int
    /// Whether the condition holds in it (nil without a condition).
    public var condition: Bool?

    /// Creates a line.
    public init(values: [String], executions: Int, condition: Bool?) {
        self.values = values
        self.executions = executions
        self.condition = condition
    }

    /// herd's form: `T0:r=0; T1:m=pmd;`.
    public var text: String { values.map { $0 + ";" }.joined(separator: " ") }
}

/// An execution that answers the final condition, replayable.
public struct Witness: Codable, Hashable, Sendable {
    /// "witness" (the condition holds) or "counterexample" (it does not).
    public var role: String
    /// The condition's value in it.
    public var condition: Bool
    /// Its final state (as in `states`).
    public var state: [String]
    /// Its replay token.
    public var token: String
    /// Violation kinds it has, if any.
    public var violations: [String]
    /// Its trace (one line per note), in full.
    public var trace: [String]
    /// The sketch of its final state (the cone of the last steps of the threads the
    /// condition names).
    public var sketch: RaceSketch?

    /// Creates a witness.
    public init(role: String, condition: Bool, state: [String], token: String,
                violations: [String], trace: [String]) {
        self.role = role
        self.condition = condition
        self.state = state
        self.token = token
        self.violations = violations
        self.trace = trace
    }
}

/// `check --profile`: the backtrack points DPOR's race analysis added (each one a subtree
/// explored), by the kind of shared object the racing steps conflicted on. The largest
/// rows name the objects that make the tree large.
public struct RaceProfileReport: Codable, Hashable, Sendable {
    /// One kind of object and the backtrack points its races added.
    public struct Row: Codable, Hashable, Sendable {
        /// The kind of object ("DAX entry (PMD)", "struct page counts", "wait queue: ...").
        public var object: String
        /// Backtrack points added by races on objects of that kind.
        public var backtracks: Int
    }
    /// Backtrack points added in all (a race on two kinds of object counts once here and
    /// in both rows).
    public var backtracks: Int
    /// The executions DPOR ran while profiling (fewer than the test's when a timeout
    /// moved the rest of the exploration to bounded search).
    public var executions: Int
    /// Largest first.
    public var rows: [Row]
    /// With `--jobs` above 1: subtrees explored ahead of time on a free core and taken
    /// over, the executions in them, and those dropped as stale (MMExplore/Speculation.swift).
    public var aheadTaken = 0
    public var aheadExecutions = 0
    public var aheadDropped = 0
}
