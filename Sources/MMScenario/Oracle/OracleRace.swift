import MMExplore
import MMKernel

/// One final state the model reaches in a concurrent test: the condition's variables as
/// `mmsim check` lists them under States, and the violations of the executions ending there.
public struct RaceModelOutcome: Codable, Hashable, Sendable {
    /// `T0:n=8192 T1:r=0`.
    public var values: String
    /// Violation kinds seen in executions that end in this state, sorted.
    public var violations: [String]
}

/// The model's outcome set of a concurrent test in one era.
public struct RaceModelSet: Sendable {
    /// Every distinct (state, violations) the exploration reached.
    public var outcomes: [RaceModelOutcome]
    /// The exploration covered every interleaving (within the test's own bound).
    public var complete: Bool
    /// Executions explored.
    public var executions: Int
}

/// One outcome a real kernel showed in a concurrent run.
public struct RaceOutcome: Codable, Hashable, Sendable {
    /// `T0:n=8192 T1:r=0`, as the model writes States; `blocked` for a statement that
    /// had not returned when the guest stopped waiting.
    public var values: String
    /// Kernel log classes seen in these iterations (`oops`, `Bad page`, `WARN`, `BUG`,
    /// `hung task`), comma-separated; empty for a quiet log.
    public var log: String
    /// Iterations that ended so.
    public var count: Int
    /// The model's outcome set for the era contains it.
    public var inModel: Bool
    /// Why it is not in the model's set, when that is understood (from
    /// Tests/oracle/race-explanations.json).
    public var explained: String?

    /// Creates one.
    public init(values: String, log: String, count: Int, inModel: Bool, explained: String?) {
        self.values = values
        self.log = log
        self.count = count
        self.inModel = inModel
        self.explained = explained
    }
}

/// What one real kernel showed for one concurrent test: Tests/oracle/SERIES/NAME.race.json.
public struct OracleRaceRecord: Codable, Hashable, Sendable {
    /// The test file, relative to the package root.
    public var scenario: String
    /// The test's name.
    public var name: String
    /// FNV-1a of the test's source.
    public var sourceHash: UInt32
    /// The kernel series (`6.1`).
    public var kernel: String
    /// `uname -r` in the guest.
    public var release: String
    /// The Debian package and version.
    public var package: String
    /// The model era compared with.
    public var era: String
    /// Iterations the guest ran.
    public var runs: Int
    /// Guest seconds the iterations took.
    public var seconds: Double
    /// vCPUs of the guest.
    public var cpus: Int
    /// Every outcome the guest showed.
    public var outcomes: [RaceOutcome]
    /// The model's outcomes at recording time (values, violations).
    public var modelOutcomes: [RaceModelOutcome]
    /// Model outcomes the guest never showed: "not observed in N runs", not disproved.
    public var notObserved: [String]
    /// The first distinct kernel log lines of note (WARN, BUG, oops, Bad page, RIP, page:).
    public var kernelLog: [String]
    /// A run that removes a device: when each thread statement began and returned
    /// (`T0:g 0-1 ms, T0:p 1480-(no return), T1:r 0-180 ms`).
    public var timeline: String?

    /// Creates a record.
    public init(scenario: String, name: String, sourceHash: UInt32, kernel: String, release: String,
                package: String, era: String, runs: Int, seconds: Double, cpus: Int,
                outcomes: [RaceOutcome], modelOutcomes: [RaceModelOutcome], notObserved: [String],
                kernelLog: [String], timeline: String? = nil) {
        self.scenario = scenario
        self.name = name
        self.sourceHash = sourceHash
        self.kernel = kernel
        self.release = release
        self.package = package
        self.era = era
        self.runs = runs
        self.seconds = seconds
        self.cpus = cpus
        self.outcomes = outcomes
        self.modelOutcomes = modelOutcomes
        self.notObserved = notObserved
        self.kernelLog = kernelLog
        self.timeline = timeline
    }
}

/// A human-maintained explanation of a guest outcome outside the model's set.
public struct RaceExplanation: Codable, Hashable, Sendable {
    /// The test's name.
    public var name: String
    /// Kernel series it applies to; nil: every series.
    public var kernels: [String]?
    /// The outcome's values.
    public var values: String
    /// The outcome's log classes.
    public var log: String
    /// Why, with the kernel source.
    public var reason: String
}

/// The model's side and the one-sided comparison of concurrent runs.
public enum OracleRace {
    /// Explores `loaded` in `era` (its kernel line's knobs kept) with the DPOR explorer, as
    /// `mmsim check` does, and collects each final state with its violations.
    public static func modelSet(_ loaded: ScenarioRunner.Loaded, era: Era) -> RaceModelSet {
        var l = loaded
        var config = KernelConfig(era: era)
        for o in loaded.test.kernel?.overrides ?? [] { config.set(o.knob, o.on) }
        l.config = config
        var options = ExploreOptions(strategy: .dpor)
        options.preemptionBound = loaded.test.preemptionBound
        let explored = explore(options, testHash: loaded.test.canonicalHash,
                               isInteresting: { (_: RunOutcome) in false },
                               make: { ScenarioRunner.makeExecution(l, verbose: false) })
        var seen: [RaceModelOutcome: Int] = [:]
        var order: [RaceModelOutcome] = []
        for (outcome, count) in explored.outcomes where outcome.setupError == nil {
            let o = RaceModelOutcome(values: outcome.state.joined(separator: " "),
                                     violations: outcome.violations.map(\.name).sorted())
            if seen[o] == nil { order.append(o) }
            seen[o, default: 0] += count
        }
        return RaceModelSet(outcomes: order, complete: explored.complete,
                            executions: explored.executions)
    }

    /// Whether the model's set contains a guest outcome: the same values, and when the
    /// kernel logged a WARN/BUG/oops/Bad page/hung task, a model execution that ends in
    /// them with a violation. A quiet log matches any execution with the same values
    /// (a violation need not leave a trace in the log).
    public static func contains(_ set: [RaceModelOutcome], values: String, log: String) -> Bool {
        set.contains { $0.values == values && (log.isEmpty || !$0.violations.isEmpty) }
    }

    /// Model outcomes (values, with their violations) that no guest outcome matched.
    public static func notObserved(_ set: [RaceModelOutcome], guest: [RaceOutcome]) -> [String] {
        set.filter { m in !guest.contains { $0.values == m.values } }
            .map {
                $0.values + ($0.violations.isEmpty ? "" : " ["
                             + $0.violations.joined(separator: ", ") + "]")
            }
    }

    /// The guest's outcomes judged against `set`, explanations applied by exact values.
    public static func judge(_ guest: [(values: String, log: String, count: Int)],
                             set: [RaceModelOutcome],
                             name: String, kernel: String,
                             explanations: [RaceExplanation]) -> [RaceOutcome] {
        guest.map { g in
            let inModel = contains(set, values: g.values, log: g.log)
            let why = inModel ? nil : explanations.first {
                $0.name == name && $0.values == g.values && $0.log == g.log
                    && ($0.kernels?.contains(kernel) ?? true)
            }?.reason
            return RaceOutcome(values: g.values, log: g.log, count: g.count, inModel: inModel,
                               explained: why)
        }
    }
}
