import MMExplore
import MMKernel

/// What `mmsim check FILE --shard i/N --output PART.json` writes: the parts of the test's
/// tree that shard i explored, with their counts, outcomes and replay tokens. `mmsim merge`
/// reads every shard's file and judges the test as one `mmsim check FILE` would.
public struct ShardResult: Codable, Hashable, Sendable {
    /// Identifies the format.
    public var format = ShardResult.formatName
    /// The test file as given on the command line.
    public var file: String
    /// The test's name.
    public var test: String
    /// The test's canonical hash (as in replay tokens), 8 hex digits.
    public var testHash: String
    /// The strategy's name as reports print it ("DPOR", "DPOR, preemptions <= 1", ...).
    public var strategy: String
    /// The preemption bound explored under, if any.
    public var preemptions: Int?
    /// This shard's index, from 1.
    public var shard: Int
    /// The number of shards.
    public var shards: Int
    /// The number of parts the test's tree was cut into.
    public var partCount: Int
    /// Seconds the shard ran.
    public var seconds: Double
    /// Why the shard stopped early, if a budget stopped it.
    public var stopReason: String?
    /// The parts it explored, in index order.
    public var parts: [Part]

    /// The value of `format`.
    public static let formatName = "mmsim-shard-1"

    /// One explored part of the tree.
    public struct Part: Codable, Hashable, Sendable {
        /// Its index in exploration order, from 0.
        public var index: Int
        /// Complete executions counted.
        public var executions: Int
        /// Redundant runs (not counted).
        public var redundant: Int
        /// Steps over the counted executions.
        public var steps: Int
        /// False when a budget stopped it.
        public var finished: Bool
        /// Each distinct outcome, in the order first seen in the part.
        public var outcomes: [Outcome]
        /// Index into `outcomes` of the first interesting (violating) execution.
        public var firstInteresting: Int?
    }

    /// One distinct outcome of a part, with the token of its first execution.
    public struct Outcome: Codable, Hashable, Sendable {
        /// Executions that ended in it.
        public var count: Int
        /// Violation kinds, by name.
        public var violations: [String]
        /// The condition's value, if the test has one.
        public var condition: Bool?
        /// The model broke its own invariants.
        public var internalError: Bool
        /// The failed setup step, if any.
        public var setupError: String?
        /// The condition's variables' final values.
        public var state: [String]
        /// Replays the part's first execution with this outcome.
        public var token: String
    }
}

/// Why shard files cannot be merged.
public struct MergeError: Error, CustomStringConvertible {
    /// The message.
    public let description: String
}

extension ScenarioRunner {
    /// Explores shard `shard` of `loaded` and returns what `mmsim merge` needs.
    public static func runShard(_ loaded: Loaded, options: ExploreOptions,
                                shard: Shard) -> ShardResult {
        var options = effectiveOptions(loaded, options)
        options.shard = shard
        let hash = loaded.test.canonicalHash
        let r = explore(options, testHash: hash, isInteresting: isInteresting,
                        make: { makeExecution(loaded, verbose: false) })
        let parts = (r.parts ?? []).map { p in
            ShardResult.Part(
                index: p.index, executions: p.executions, redundant: p.redundant,
                steps: p.totalSteps,
                finished: p.finished,
                outcomes: zip(p.outcomes, p.firstSchedules).map { o, s in
                    ShardResult.Outcome(
                        count: o.count, violations: o.outcome.violations.map(\.name),
                        condition: o.outcome.condition, internalError: o.outcome.internalError,
                        setupError: o.outcome.setupError, state: o.outcome.state,
                        token: s.token(testHash: hash))
                },
                firstInteresting: p.firstInteresting)
        }
        return ShardResult(file: loaded.file, test: loaded.test.name, testHash: hex(hash),
                           strategy: strategyName(options), preemptions: options.preemptionBound,
                           shard: shard.index, shards: shard.count,
                           partCount: r.partCount ?? 1, seconds: r.elapsed,
                           stopReason: r.complete ? nil : r.stopReason, parts: parts)
    }

    /// Judges `loaded` from every shard's result, as one run under `options` would: the
    /// same report, timings aside (the seconds are the slowest shard's). Throws when the
    /// shards are of another test or version of it, were run differently, or are missing
    /// or repeated.
    public static func merge(_ shards: [ShardResult], loaded: Loaded, options: ExploreOptions,
                             verbose: Bool = false) throws -> TestReport {
        let options = effectiveOptions(loaded, options)
        let hash = loaded.test.canonicalHash
        guard let first = shards.first else { throw MergeError(description: "no shard files") }
        for s in shards {
            guard s.format == ShardResult.formatName else {
                throw MergeError(description: "shard \(s.shard)/\(s.shards): unknown format "
                                 + "\(s.format)")
            }
            guard s.testHash == hex(hash) else {
                throw MergeError(description: "shard \(s.shard)/\(s.shards) is of test \(s.test) "
                                 + "(hash \(s.testHash)), not of \(loaded.file) as it is now "
                                 + "(hash \(hex(hash))): re-run that shard")
            }
            guard s.shards == first.shards, s.partCount == first.partCount,
                  s.strategy == first.strategy
            else {
                throw MergeError(description: "shards were run differently: "
                                 + "\(first.shard)/\(first.shards) (\(first.strategy)) and "
                                 + "\(s.shard)/\(s.shards) (\(s.strategy))")
            }
        }
        guard first.strategy == strategyName(options) else {
            throw MergeError(description: "the shards ran \(first.strategy), this merge judges "
                             + "\(strategyName(options))")
        }
        var seen = Set<Int>()
        for s in shards where !seen.insert(s.shard).inserted {
            throw MergeError(description: "shard \(s.shard)/\(s.shards) is given twice")
        }
        let missing = (1...first.shards).filter { !seen.contains($0) }
        if !missing.isEmpty {
            throw MergeError(description: "missing shard" + (missing.count == 1 ? " " : "s ")
                             + missing.map { "\($0)/\(first.shards)" }.joined(separator: ", "))
        }
        var parts: [ExplorePart<RunOutcome>] = []
        for s in shards {
            for p in s.parts {
                var outcomes: [(outcome: RunOutcome, count: Int)] = []
                var schedules: [Schedule] = []
                for o in p.outcomes {
                    let kinds = try o.violations.map { name -> ViolationKind in
                        guard let k = ViolationKind(name: name) else {
                            throw MergeError(description: "shard \(s.shard)/\(s.shards): unknown "
                                             + "violation \(name)")
                        }
                        return k
                    }
                    guard let (schedule, h) = Schedule.decode(o.token), h == hash else {
                        throw MergeError(description: "shard \(s.shard)/\(s.shards): bad "
                                         + "token \(o.token)")
                    }
                    outcomes.append((RunOutcome(violations: kinds, condition: o.condition,
                                                internalError: o.internalError,
                                                setupError: o.setupError, state: o.state), o.count))
                    schedules.append(schedule)
                }
                parts.append(ExplorePart(index: p.index, executions: p.executions,
                                         redundant: p.redundant,
                                         totalSteps: p.steps, finished: p.finished,
                                         outcomes: outcomes,
                                         firstSchedules: schedules,
                                         firstInteresting: p.firstInteresting))
            }
        }
        let explored = mergeParts(parts, partCount: first.partCount, testHash: hash,
                                  elapsed: shards.map(\.seconds).max() ?? 0,
                                  stopReason: shards.compactMap(\.stopReason).first)
        return report(loaded, explored, options: options, verbose: verbose)
    }

    static func hex(_ h: UInt32) -> String {
        let s = String(h, radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
