// Sharding: one process explores a deterministic 1/N of a DFS tree and returns its parts;
// merging every shard's parts in index order gives the report one process would have
// given. The tree is cut where parallel workers cut it (Parallel.swift): at the partition
// node, one part per thread explored there; shard i of N takes the parts whose index is
// i-1 modulo N.

/// Which share of the tree a process explores: shard `index` (from 1) of `count`.
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    /// From 1 to `count`.
    public var index: Int
    /// How many shards the tree is split into.
    public var count: Int

    /// A shard; nil unless 1 <= index <= count.
    public init?(index: Int, count: Int) {
        guard count >= 1, index >= 1, index <= count else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `i/N`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: i, count: n)
    }

    /// Whether part `part` (from 0) of the tree belongs to this shard.
    public func owns(part: Int) -> Bool { part % count == index - 1 }

    /// `i/N`.
    public var description: String { "\(index)/\(count)" }
}

/// The result of one part of a sharded exploration.
public struct ExplorePart<Outcome: Hashable> {
    /// The part's index in exploration order (from 0).
    public var index: Int
    /// Complete executions counted in the part.
    public var executions: Int
    /// Redundant (sleep-set-blocked) prefixes, not counted.
    public var redundant: Int
    /// Steps over the part's counted executions.
    public var totalSteps: Int
    /// The part ran out of executions by itself (no budget stopped it).
    public var finished: Bool
    /// Each outcome with its count, in the order first seen in the part.
    public var outcomes: [(outcome: Outcome, count: Int)]
    /// The schedule of each outcome's first execution in the part (parallel to outcomes).
    public var firstSchedules: [Schedule]
    /// Index into `outcomes` of the part's first interesting execution, if any (it is
    /// always the first execution of its outcome).
    public var firstInteresting: Int?

    /// Creates a part result.
    public init(index: Int, executions: Int, redundant: Int, totalSteps: Int, finished: Bool,
                outcomes: [(outcome: Outcome, count: Int)], firstSchedules: [Schedule],
                firstInteresting: Int?) {
        self.index = index
        self.executions = executions
        self.redundant = redundant
        self.totalSteps = totalSteps
        self.finished = finished
        self.outcomes = outcomes
        self.firstSchedules = firstSchedules
        self.firstInteresting = firstInteresting
    }

    init(index: Int, _ r: PartResult<Outcome>) {
        let t = r.tally
        self.init(index: index, executions: t.executions, redundant: t.redundant,
                  totalSteps: t.totalSteps, finished: r.finished, outcomes: t.outcomes,
                  firstSchedules: t.firstSchedules,
                  firstInteresting: t.firstInteresting.flatMap { fi in
                      t.outcomes.firstIndex(where: { $0.outcome == fi.outcome }) })
    }

    var tally: Tally<Outcome> {
        var t = Tally<Outcome>()
        for (i, o) in outcomes.enumerated() {
            t.addCounted(o.outcome, count: o.count, schedule: firstSchedules[i])
        }
        t.executions = executions
        t.totalSteps = totalSteps
        t.redundant = redundant
        if let fi = firstInteresting, fi < outcomes.count {
            t.firstInteresting = (outcomes[fi].outcome, firstSchedules[fi])
        }
        return t
    }
}

/// Merges the parts of every shard of one exploration (any order; each part once) into
/// the report one unsharded exploration gives, timings aside. `partCount` is the number
/// of parts the tree was cut into; `stopReason` is the first budget reason of a shard
/// that did not finish, if any.
public func mergeParts<Outcome: Hashable>(
    _ parts: [ExplorePart<Outcome>], partCount: Int, testHash: UInt32, elapsed: Double,
    stopReason: String?
) -> ExploreReport<Outcome> {
    var total = Tally<Outcome>()
    let sorted = parts.sorted { $0.index < $1.index }
    var complete = sorted.count == partCount
    for p in sorted {
        total.append(p.tally)
        if !p.finished { complete = false }
    }
    return ExploreReport(
        executions: total.executions, outcomes: total.outcomes,
        firstSchedules: total.firstSchedules,
        firstInteresting: total.firstInteresting, complete: complete,
        stopReason: complete ? nil : (stopReason ?? "timeout"), elapsed: elapsed,
        totalSteps: total.totalSteps, pctBound: nil, redundant: total.redundant, testHash: testHash)
}
