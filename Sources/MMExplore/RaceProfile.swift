import Foundation

// Where DPOR's executions come from. Every execution past the first exists because a
// race analysis added a thread to some node's backtrack set; a race is a pair of steps
// whose footprints conflict on some objects (or that block on and wake one wait queue).
// Counting, per object, the races that added a backtrack point tells which shared
// objects make the tree large, which is where a finer object or a commuting access would
// cut it. The explorer counts objects by identity; the model names them.

/// Backtrack points added by DPOR, by the objects the racing steps conflicted on.
public struct RaceProfile: Sendable, Equatable {
    /// Per object: races that added a backtrack point and conflicted on it (a race on two
    /// objects counts for both).
    public var objects: [ObjectID: Int] = [:]
    /// Per wait queue: block/wake races that added a backtrack point.
    public var waitQueues: [ObjectID: Int] = [:]
    /// Backtrack points added in all.
    public var backtracks = 0
    /// Executions DPOR ran (counted ones) while profiling: after a budget moved the
    /// exploration on to bounded search, fewer than the report's executions.
    public var executions = 0

    /// An empty profile.
    public init() {}

    /// Counts one added backtrack point for the race of steps `a` and `b`.
    mutating func count(_ a: StepRecord, _ b: StepRecord) {
        backtracks += 1
        for i in 0..<a.fp.count {
            for j in 0..<b.fp.count where a.fp[i].conflicts(with: b.fp[j]) {
                objects[a.fp[i].object, default: 0] += 1
                break
            }
        }
        for x in a.extra where b.extra.contains(where: { $0.conflicts(with: x) }) {
            waitQueues[x.object, default: 0] += 1
        }
    }

    /// Adds `other`'s counts.
    mutating func add(_ other: RaceProfile) {
        backtracks += other.backtracks
        executions += other.executions
        for (o, n) in other.objects { objects[o, default: 0] += n }
        for (o, n) in other.waitQueues { waitQueues[o, default: 0] += n }
    }

    /// The counts summed by `group` (e.g. the model's kind of object), largest first, then
    /// by name; wait queues are grouped apart with "wait queue: " before the name.
    public func grouped(by group: (ObjectID) -> String) -> [(group: String, backtracks: Int)] {
        var sums: [String: Int] = [:]
        for (o, n) in objects { sums[group(o), default: 0] += n }
        for (o, n) in waitQueues { sums["wait queue: " + group(o), default: 0] += n }
        return sums.map { (group: $0.key, backtracks: $0.value) }
            .sorted {
                $0.backtracks != $1.backtracks ? $0.backtracks > $1.backtracks : $0.group < $1.group
            }
    }
}
