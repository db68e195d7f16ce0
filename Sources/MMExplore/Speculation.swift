// Speculative exploration: how DPOR uses a second core without changing what it explores.
//
// Optimal DPOR explores a node's children one after the other, and the exploration of a
// child's subtree depends on the earlier children only through what reaches that child
// from the node: the wakeup subtree the child is to follow (races found under earlier
// children can extend it), the threads explored there before it and their steps (its
// sleep set). What the child's subtree finds in turn reaches the rest of the tree only as
// reversed races inserted at the node or above it. So an idle core can explore the next
// child of a node on the current path ahead of time, from a copy of the path as `advance`
// will leave it: a speculative explorer with that path as its fixed prefix, which keeps
// its insertions into the prefix instead of making them. When the owner reaches that
// child, it compares what the child would start from now with the copy's; if they are
// equal, it takes the speculation's executions as its own and makes the kept insertions in
// their order, exactly as exploring the child itself would have; if not, it drops the
// speculation and explores the child itself. Either way the report is the one a single
// worker gives, whatever the number of cores or the timing (budgets aside).
//
// Speculative explorers speculate in turn, so a core that runs out of work finds more in
// whichever subtree is being explored. They never run with a preemption bound (bounded
// search has no race analysis; `dpor` is false there).

import Foundation
import Synchronization

/// A reversed race a speculative explorer found whose first step lies in its fixed
/// prefix; the explorer that owns that node makes the insertion when it takes the result.
struct OutsideInsertion {
    var node: Int
    var sequence: ReversedSequence
    /// The racing steps, kept when profiling (the profile counts insertions made).
    var race: (StepRecord, StepRecord)?
}

/// The cores an exploration may keep busy (`jobs`): an explorer holds one while it runs
/// executions, gives it back while it waits for a speculation, and a speculation starts
/// only when a core is free.
final class CorePool: @unchecked Sendable {
    private let condition = NSCondition()
    private var free: Int

    init(_ count: Int) { free = max(1, count) }

    /// Takes a core, waiting for one.
    func take() {
        condition.lock()
        while free == 0 { condition.wait() }
        free -= 1
        condition.unlock()
    }

    /// Takes a core if one is free.
    func tryTake() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard free > 0 else { return false }
        free -= 1
        return true
    }

    /// Gives a core back.
    func give() {
        condition.lock()
        free += 1
        condition.signal()
        condition.unlock()
    }
}

/// What a speculative explorer leaves for its owner.
struct SpeculationResult<Outcome: Hashable> {
    var part: PartResult<Outcome>
    var outside: [OutsideInsertion]
    /// The step the speculated child took at its node (its first execution's).
    var firstStep: StepRecord?
    var profile: RaceProfile?
}

/// One child explored ahead of time on another thread.
final class Speculation<Outcome: Hashable>: @unchecked Sendable {
    /// The node whose child it explores, and that node as the explorer starts from it.
    let node: Int
    let start: DFSNode
    /// The owner's node `grown` when the speculation was last seen to match it.
    var grown: Int
    /// The wakeup subtree the child follows.
    let handoff: [WakeupBranch]
    private let cancelled = Atomic<Bool>(false)
    private let condition = NSCondition()
    private var result: SpeculationResult<Outcome>?
    private var body: ((Speculation) -> SpeculationResult<Outcome>)?
    /// The speculation whose explorer started this one: dropping it drops this one too.
    private let parent: Speculation?

    init(node: Int, start: DFSNode, handoff: [WakeupBranch], parent: Speculation?,
         body: @escaping (Speculation) -> SpeculationResult<Outcome>) {
        self.node = node
        self.start = start
        grown = start.grown
        self.handoff = handoff
        self.parent = parent
        self.body = body
    }

    /// True once the owner dropped it: the explorer stops after its current execution.
    var isCancelled: Bool {
        cancelled.load(ordering: .relaxed) || (parent?.isCancelled ?? false)
    }

    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Runs the exploration on the calling thread and publishes its result. The body (it
    /// holds the runner's closures) is dropped before the owner can see the result.
    func run() {
        let r = body!(self)
        body = nil
        condition.lock()
        result = r
        condition.broadcast()
        condition.unlock()
    }

    /// True once the result is published (the body is dropped by then).
    var isFinished: Bool {
        condition.lock()
        defer { condition.unlock() }
        return result != nil
    }

    /// Waits for the result.
    func wait() -> SpeculationResult<Outcome> {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return result!
    }

    /// True when `node` of the owner, just moved to its next child with `handoff` to
    /// follow, is what this speculation started from.
    func matches(_ node: DFSNode, handoff: [WakeupBranch]) -> Bool {
        node.chosen == start.chosen && node.done == start.done && node.sleep == start.sleep
            && node.enabled == start.enabled && handoff == self.handoff
            && node.stepOf.map(\.thread) == start.stepOf.map(\.thread)
    }
}

extension DFSExplorer {
    /// The shallowest node of the current path (above the node just moved to) whose next
    /// child is known and not in `taken`: a copy of the path down to it, as `advance` will
    /// leave it when the current child is done (`records`: the last execution's steps),
    /// and the wakeup subtree that child follows.
    func speculationCandidate(_ records: [StepRecord], taken: (Int) -> Bool)
        -> (prefix: [DFSNode], handoff: [WakeupBranch])?
    {
        guard dpor, bound == nil else { return nil }
        var j = floor
        while j < divergence && j < records.count {
            defer { j += 1 }
            guard !taken(j), let (k, b) = nextBranch(at: j) else { continue }
            var n = nodes[j]
            n.done |= 1 << UInt64(n.chosen)
            if n.enabled & (n.enabled - 1) != 0 { n.stepOf.append((n.chosen, records[j])) }
            n.pending.removeFirst(k + 1)
            n.chosen = Int(b.thread)
            n.backtrack |= 1 << UInt64(b.thread)
            var prefix = Array(nodes[0..<j])
            prefix.append(n)
            return (prefix, b.children)
        }
        return nil
    }

    /// The wakeup branch node `j` of the path takes next once its current child is done,
    /// and its index among the node's pending branches; nil when none is known yet.
    func nextBranch(at j: Int) -> (Int, WakeupBranch)? {
        let n = nodes[j]
        let closed = n.done | (1 << UInt64(n.chosen)) | n.sleep | ~n.enabled
        guard let k = n.pending.firstIndex(where: { closed & (1 << UInt64($0.thread)) == 0 })
        else { return nil }
        return (k, n.pending[k])
    }

    /// Takes over speculation `r` of the child just moved to at node `divergence`: makes
    /// its insertions above its subtree, then moves on as after that child's last
    /// execution (`records`: steps of the nodes above, from an execution on this path).
    func takeOver<Outcome>(_ r: SpeculationResult<Outcome>, records: [StepRecord]) -> Bool {
        for o in r.outside {
            wake(at: o.node, o.sequence, race: o.race)
        }
        if let p = r.profile { profile?.add(p) }
        let j = divergence
        let first = r.firstStep!
        return moveOn(from: j) { $0 == j ? first : records[$0] }
    }
}

extension Runner {
    /// After `advance`: while the child `dfs` moved to was explored ahead of time from the
    /// same start, takes its result over (`tally`, and the owner's cores while waiting);
    /// drops the speculations the move made stale. Nil to go on with the next execution,
    /// true when the subtree is exhausted, false when the result stopped the exploration
    /// (a budget, the first interesting execution, or the thread limit: `threadLimit` is
    /// set then for a speculative owner to pass on).
    func takeAhead(_ dfs: DFSExplorer, _ ahead: inout [Speculation<Outcome>],
                   dropped: inout [Speculation<Outcome>], records: [StepRecord],
                   tally: inout Tally<Outcome>, part: Int, speculative: Bool,
                   threadLimit: inout Bool) -> Bool? {
        // Dropped ones that have stopped need no waiting for.
        dropped.removeAll { $0.isFinished }
        while true {
            let d = dfs.divergence
            // Below the node moved at, the path they started from is gone.
            for s in ahead where s.node > d {
                s.cancel()
                dropped.append(s)
                tally.speculation.dropped += 1
            }
            ahead.removeAll { $0.node > d }
            guard let k = ahead.firstIndex(where: { $0.node == d }) else { return nil }
            let s = ahead.remove(at: k)
            guard s.matches(dfs.nodes[d], handoff: dfs.handoff) else {
                tally.speculation.dropped += 1
                s.cancel()
                dropped.append(s)
                return nil
            }
            control.cores.give()
            let r = s.wait()
            control.cores.take()
            tally.append(r.part.tally)
            tally.speculation.taken += 1
            if !speculative { control.reportDone(r.part.tally.executions) }
            if options.stopAtFirstInteresting && r.part.tally.firstInteresting != nil {
                if !speculative { control.foundInteresting(part: part) }
                return false
            }
            if r.part.threadLimit {
                // The speculation stopped at an execution over the thread limit, now one
                // of ours: stop as one job would there (a speculation tells its owner).
                if !speculative { control.threadLimitHit(part: part) }
                threadLimit = true
                return false
            }
            if !r.part.finished { return false }
            if !dfs.takeOver(r, records: records) { return true }
        }
    }

    /// Starts exploring the next child of the shallowest node of `dfs`'s path that has
    /// one known and not yet taken, on another thread, when a core is free.
    func speculate(_ dfs: DFSExplorer, _ ahead: inout [Speculation<Outcome>],
                   dropped: inout [Speculation<Outcome>], stale: inout Int,
                   records: [StepRecord], part: Int, parent: Speculation<Outcome>?) {
        guard jobs > 1, dfs.dpor else { return }
        // A speculation whose child's wakeup subtree grew since it started would be
        // dropped when reached: drop it now, so that the core explores the grown one.
        var k = 0
        while k < ahead.count {
            let s = ahead[k]
            if dfs.nodes[s.node].grown != s.grown {
                if let (_, b) = dfs.nextBranch(at: s.node), Int(b.thread) == s.start.chosen,
                   b.children == s.handoff {
                    s.grown = dfs.nodes[s.node].grown
                } else {
                    s.cancel()
                    dropped.append(s)
                    ahead.remove(at: k)
                    stale += 1
                    continue
                }
            }
            k += 1
        }
        guard control.cores.tryTake() else { return }
        let taken = ahead.map(\.node)
        guard let (prefix, handoff) = dfs.speculationCandidate(records,
                                                               taken: taken.contains)
        else {
            control.cores.give()
            return
        }
        let node = prefix.count - 1
        let partition = dfs.partition
        let s = Speculation<Outcome>(node: node, start: prefix[node], handoff: handoff,
                                     parent: parent) { s in
            let explorer = DFSExplorer(speculating: prefix, handoff: handoff,
                                       partition: partition)
            let r = runDFS(explorer, part: part, speculation: s)
            return SpeculationResult(part: r, outside: explorer.outside ?? [],
                                     firstStep: explorer.firstStep, profile: explorer.profile)
        }
        let cores = control.cores
        let thread = Thread {
            s.run()
            cores.give()
        }
        // Model code's synchronous frames live on this stack; async frames do not.
        thread.stackSize = 8 << 20
        thread.start()
        ahead.append(s)
    }
}

