import MMExplore
import MMKernel

/// Loads, checks and runs `.litmus` tests.
public enum ScenarioRunner {
    /// A test that failed to load: one diagnostic, nothing run.
    public struct LoadError: Error, CustomStringConvertible {
        /// The message, `FILE:LINE:COLUMN: error: ...`.
        public let description: String
    }

    /// A loaded test and its source text.
    public struct Loaded {
        /// The parsed test.
        public let test: LitmusTest
        /// The source (statements are printed as written).
        public let source: String
        /// The file name used in messages.
        public let file: String
        /// Run under this era and knobs instead of the `kernel` line's (`mmsim matrix`).
        public var config: KernelConfig? = nil
        /// The source's lines (for statements' text), split once: splitting it for every
        /// execution took 5% of an exploration's time.
        let lines: [Substring]

        /// A parsed test with its source.
        init(test: LitmusTest, source: String, file: String) {
            self.test = test
            self.source = source
            self.file = file
            lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        }

        /// The configuration runs use.
        public var effectiveConfig: KernelConfig { config ?? test.kernelConfig }
    }

    /// Parses `source`, then refuses ops the model cannot run yet. Nothing is executed.
    public static func load(source: String, file: String) throws -> Loaded {
        let test: LitmusTest
        do {
            test = try LitmusParser.parse(source: source, file: file)
        } catch {
            throw LoadError(description: error.description)
        }
        if let d = NotModelled.check(test) { throw LoadError(description: d.description) }
        return Loaded(test: test, source: source, file: file)
    }

    /// Runs a loaded test under `options` and checks its expectations.
    public static func run(_ loaded: Loaded, options: ExploreOptions, verbose: Bool = false)
        -> TestReport
    {
        let hash = loaded.test.canonicalHash
        // The test's own `explore preemptions=N` line, unless the command line set a bound.
        let options = effectiveOptions(loaded, options)
        let explored = explore(options, testHash: hash, isInteresting: isInteresting,
                               make: { makeExecution(loaded, verbose: false) })
        return report(loaded, explored, options: options, verbose: verbose)
    }

    /// The executions the report replays as the first violation: a violation or an
    /// internal error.
    static func isInteresting(_ o: RunOutcome) -> Bool { !o.violations.isEmpty || o.internalError }

    /// The preemption bound a test runs under: the command line's, else its own
    /// `explore preemptions=N` line (DPOR and naive only).
    static func effectiveOptions(_ loaded: Loaded, _ options: ExploreOptions) -> ExploreOptions {
        var options = options
        if options.preemptionBound == nil, let bound = loaded.test.preemptionBound {
            switch options.strategy {
            case .dpor, .naive: options.preemptionBound = bound
            case .sequential, .random, .pct: break
            }
        }
        return options
    }

    /// Judges what an exploration of `loaded` under `options` found: the report `run`
    /// returns (replaying the first violation and the witnesses for their traces).
    static func report(_ loaded: Loaded, _ explored: ExploreReport<RunOutcome>,
                       options: ExploreOptions, verbose: Bool) -> TestReport {
        let test = loaded.test
        let hash = test.canonicalHash
        var positive = 0, negative = 0
        var perKind: [ViolationKind: Int] = [:]
        var internalErrorExecutions = 0
        var setupError: String?
        var states: [StateCount] = []
        var stateIndex: [[String]: Int] = [:]
        for (outcome, count) in explored.outcomes where test.condition != nil
            && outcome.setupError == nil {
            if let i = stateIndex[outcome.state] {
                states[i].executions += count
            } else {
                stateIndex[outcome.state] = states.count
                states.append(StateCount(values: outcome.state, executions: count,
                                         condition: outcome.condition))
            }
        }
        for (outcome, count) in explored.outcomes {
            if setupError == nil { setupError = outcome.setupError }
            if outcome.internalError { internalErrorExecutions += count }
            for kind in outcome.violations { perKind[kind, default: 0] += count }
            if outcome.condition == true { positive += count }
            if outcome.condition == false { negative += count }
        }
        var report = TestReport(
            file: loaded.file, name: test.name, kernel: loaded.effectiveConfig.description,
            strategy: strategyName(options), executions: explored.executions,
            seconds: explored.elapsed, complete: explored.complete,
            stopReason: explored.stopReason,
            violations: perKind.keys.sorted()
                .map { ViolationCount(kind: $0.name, executions: perKind[$0]!) },
            observation: nil, replayToken: nil, expectations: [], firstViolationDetails: [],
            trace: [], log: [], pctBound: explored.pctBound, stats: [:])
        report.redundant = explored.redundant
        if let profile = explored.profile {
            report.raceProfile = RaceProfileReport(
                backtracks: profile.backtracks, executions: profile.executions,
                rows: profile.grouped(by: Kernel.objectKindName).map {
                    RaceProfileReport.Row(object: $0.group, backtracks: $0.backtracks)
                },
                aheadTaken: explored.speculation.taken,
                aheadExecutions: explored.speculation.executions,
                aheadDropped: explored.speculation.dropped)
        }
        report.completeUpToPreemptions = explored.completeUpToPreemptions
        if explored.deepenedAfterBudget {
            report.strategy = "DPOR half the time, then by bound"
        }
        if test.condition != nil {
            let outcome = positive == 0 ? "Never" : negative == 0 ? "Always" : "Sometimes"
            report.observation = ObservationCount(outcome: outcome, positive: positive,
                                                  negative: negative)
        }
        report.internalErrorExecutions = internalErrorExecutions
        report.setupError = setupError
        report.states = states
        // The first violating execution: replay it with tracing for its details and trace.
        if let (outcome, schedule) = explored.firstInteresting {
            let token = schedule.token(testHash: hash)
            let replayed = replayTrace(loaded, schedule)
            if !outcome.violations.isEmpty {
                report.replayToken = token
                report.firstViolationDetails = replayed.details
            }
            if outcome.internalError {
                report.internalErrorToken = token
                // The sleep-set check runs in the explorer only (a replay has no sleep sets):
                // name it when the replay repeats nothing.
                report.internalErrors = replayed.internalErrors.isEmpty
                    ? ["the explorer's sleep-set audit: a thread kept asleep took another step "
                        + "than recorded (a footprint left out what decided it; "
                        + "docs/footprints.md); this trace is that execution"]
                    : replayed.internalErrors
            }
            report.trace = replayed.trace
            report.sketch = SketchBuilder.violation(replayed.steps, cpuOf: replayed.cpuOf)
        }
        let expected = Set(test.expectations.compactMap { line -> String? in
            if case .violation(let k) = line.expectation { return k.name }
            return nil
        })
        report.unexpectedViolations = report.violations.map(\.kind).filter {
            !expected.contains($0)
        }
        report.expectations = test.expectations.map { line in
            let (h, undecided) = judge(line.expectation, report)
            return ExpectationResult(line: describe(line.expectation),
                                     location: line.location.description,
                                     holds: h && !undecided, inconclusive: undecided)
        }
        // Witnesses: the first execution where the condition holds (exists, ~exists, a
        // failed `expect Never`) and the first where it does not (forall, a failed
        // `expect Always`), each replayed for its trace.
        if let clause = test.condition, setupError == nil {
            let failed = Set(zip(test.expectations, report.expectations)
                .filter { !$0.1.holds && !$0.1.inconclusive }
                .map(\.0.expectation))
            var wanted: [Bool] = []
            if clause.quantifier != .forall || failed.contains(.observation(.never)) {
                wanted.append(true)
            }
            if clause.quantifier == .forall || failed.contains(.observation(.always)) {
                wanted.append(false)
            }
            for value in wanted {
                let first = explored.outcomes.firstIndex { $0.outcome.condition == value }
                guard let i = first, i < explored.firstSchedules.count else { continue }
                let schedule = explored.firstSchedules[i]
                let replayed = replayTrace(loaded, schedule)
                let state = explored.outcomes[i].outcome.state
                var witness = Witness(
                    role: value ? "witness" : "counterexample", condition: value,
                    state: state, token: schedule.token(testHash: hash),
                    violations: replayed.outcome.violations.map(\.name), trace: replayed.trace)
                witness.sketch = SketchBuilder.finalState(replayed.steps,
                                                          threads: conditionThreads(state, loaded),
                                                          cpuOf: replayed.cpuOf)
                report.witnesses.append(witness)
            }
        }
        let budgetStopped = !explored.complete && explored.stopReason != "first-interesting"
        let timeLeft = options.timeout.map { $0 - explored.elapsed }
        if (verbose || report.stats.isEmpty) && !budgetStopped && (timeLeft ?? 1) > 0 {
            // One sequential execution gives the statement log, the counters and the
            // refusals, within what the exploration left of the budgets (a cut run gives
            // none of them).
            let x = makeExecutionObject(loaded, verbose: verbose)
            var o = ExploreOptions(strategy: .sequential)
            o.timeout = timeLeft
            o.maxMemory = options.maxMemory
            let r = MMExplore.explore(o, testHash: hash,
                                      isInteresting: { _ in false }, make: { (x.plan(), x.finish) })
            if r.complete {
                report.log = x.log ?? []
                report.stats = x.kernel.stats.dictionary
                report.refusals = x.refusals
            }
        }
        report.judge()
        return report
    }

    /// The result of one sequential execution: every variable's final value as printed,
    /// the model's counters and the violations' descriptions (tools built on mmsim, such
    /// as `mmsim gup-matrix`, read these).
    public struct SequentialResult {
        /// Scope ("init", "T0", ..., "finally") → variable → value.
        public var variables: [String: [String: Value]]
        /// The kernel's counters after the run.
        public var stats: [String: Int]
        /// Violations seen, described.
        public var violations: [String]
        /// Statements refused (`init` statements that returned -errno, thread statements
        /// that returned -EINVAL), as `SCOPE line N: TEXT => -ERRNO`.
        public var refusals: [String] = []
    }

    /// Runs a loaded test once, sequentially, and returns its variables and counters.
    public static func runSequential(_ loaded: Loaded) -> SequentialResult {
        let x = makeExecutionObject(loaded, verbose: false)
        _ = MMExplore.explore(ExploreOptions(strategy: .sequential),
                              testHash: loaded.test.canonicalHash,
                              isInteresting: { _ in false }, make: { (x.plan(), x.finish) })
        return SequentialResult(variables: x.vars.scopes, stats: x.kernel.stats.dictionary,
                                violations: x.kernel.violations.map(\.description),
                                refusals: x.refusals)
    }

    /// What `replay` gives back: the execution's outcome, the violations' descriptions, its
    /// full trace, and the race sketch `mmsim check` would print for it.
    public struct Replayed: Sendable {
        /// Violations, the condition's value and the final state of the replayed execution.
        public var outcome: RunOutcome
        /// Violations described, then internal errors (`internal error: ...`).
        public var details: [String]
        /// Every trace line, as `--verbose` prints it.
        public var trace: [String]
        /// The sketch of the first violation, or else (a witness or counterexample of the
        /// condition) of the final state of the threads the condition names.
        public var sketch: RaceSketch?
    }

    /// Replays the execution a token names and returns its outcome, trace and sketch.
    /// nil when the token is malformed or belongs to another version of the test.
    public static func replay(_ loaded: Loaded, token: String) -> Replayed? {
        guard let (schedule, hash) = Schedule.decode(token),
              hash == loaded.test.canonicalHash else {
            return nil
        }
        let r = replayTrace(loaded, schedule)
        var sketch = SketchBuilder.violation(r.steps, cpuOf: r.cpuOf)
        if sketch == nil, loaded.test.condition != nil {
            sketch = SketchBuilder.finalState(r.steps,
                                              threads: conditionThreads(r.outcome.state, loaded),
                                              cpuOf: r.cpuOf)
        }
        return Replayed(outcome: r.outcome,
                        details: r.details + r.internalErrors.map { "internal error: " + $0 },
                        trace: r.trace, sketch: sketch)
    }

    /// The threads whose variables a final state names (`T0:g=1` names T0).
    static func conditionThreads(_ state: [String], _ loaded: Loaded) -> Set<String> {
        Set(state.compactMap { $0.split(separator: ":").first.map(String.init) }
            .filter { name in loaded.test.threads.contains { $0.name == name } })
    }

    // MARK: Internals

    static func makeExecutionObject(_ loaded: Loaded, verbose: Bool) -> ScenarioExecution {
        ScenarioExecution(test: loaded.test, lines: loaded.lines, verbose: verbose,
                          config: loaded.config)
    }

    static func makeExecution(_ loaded: Loaded, verbose: Bool)
        -> (plan: ExecutionPlan, finish: (ExecutionEnd) -> RunOutcome)
    {
        let x = makeExecutionObject(loaded, verbose: verbose)
        return (x.plan(), x.finish)
    }

    static func replayTrace(_ loaded: Loaded, _ schedule: Schedule)
        -> (outcome: RunOutcome, details: [String], internalErrors: [String], trace: [String],
            steps: [TraceStep], cpuOf: (String) -> String)
    {
        let x = makeExecutionObject(loaded, verbose: false)
        let result = MMExplore.replay(schedule, make: { (x.plan(), x.finish) })
        let cpuIndex =
            Dictionary(uniqueKeysWithValues: loaded.test.threads.map { ($0.name, $0.index) })
        let cpuOf = { (name: String) in cpuIndex[name].map { "cpu\($0)" } ?? "cpu0" }
        var lines: [String] = []
        for step in result.trace {
            let cpu = cpuOf(step.threadName)
            for note in step.notes {
                lines.append(TraceFormat.line(thread: step.threadName, cpu: cpu, note: note))
            }
        }
        return (result.outcome, x.kernel.violations.map(\.description),
                x.kernel.internalErrors + x.explorerErrors, lines, result.trace, cpuOf)
    }

    static func strategyName(_ o: ExploreOptions) -> String {
        switch o.strategy {
        case .sequential: return "sequential"
        case .dpor: return o.preemptionBound.map { "DPOR, preemptions <= \($0)" } ?? "DPOR"
        case .naive: return "naive"
        case .random(let seed, _): return "random, seed \(seed)"
        case .pct(let d, _, let seed): return "PCT depth \(d), seed \(seed)"
        }
    }

    static func describe(_ e: Expectation) -> String {
        switch e {
        case .pass: return "expect pass"
        case .violation(let k): return "expect violation \(k.name)"
        case .observation(let o): return "expect \(o.rawValue)"
        }
    }

    /// Whether `e` holds on what was explored, and whether that is undecided because a
    /// budget stopped the exploration: a violation or an outcome seen is established
    /// either way, but `pass`, `Never`, `Always` and an unseen violation or `Sometimes`
    /// need every execution. `Always` fails only on an execution seen where the condition
    /// did not hold, `Never` only on one where it did: a run stopped before it counted
    /// any execution decides neither.
    static func judge(_ e: Expectation, _ r: TestReport) -> (holds: Bool, undecided: Bool) {
        let h = holds(e, r)
        if r.complete { return (h, false) }
        switch e {
        case .pass: return (h, h)
        case .violation: return (h, !h)
        case .observation(.never): return (h, (r.observation?.positive ?? 0) == 0)
        case .observation(.always): return (h, (r.observation?.negative ?? 0) == 0)
        case .observation(.sometimes): return (h, !h)
        }
    }

    static func holds(_ e: Expectation, _ r: TestReport) -> Bool {
        switch e {
        case .pass: return r.violations.isEmpty
        case .violation(let k): return r.violations.contains { $0.kind == k.name }
        case .observation(let o): return r.observation?.outcome == o.rawValue
        }
    }
}

/// Trace lines: `T1      cpu1  note`, whole (the text report wraps them under 100
/// columns; JSON keeps them as they are).
public enum TraceFormat {
    /// One trace line.
    public static func line(thread: String, cpu: String, note: String) -> String {
        thread.padded(to: 8) + cpu.padded(to: 6) + note
    }
}

extension String {
    func padded(to n: Int) -> String {
        count >= n ? self + " " : self + String(repeating: " ", count: n - count)
    }
}
