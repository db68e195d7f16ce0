// Stateless depth-first exploration of the tree of executions: naive enumeration and
// DPOR share it. One node per step of the concurrent phase; every execution re-runs
// the plan from the start, following the nodes' chosen threads, then extends the path
// with new nodes; afterwards the deepest node with an unexplored alternative is moved
// to it.
//
// DPOR (optimal DPOR with wakeup trees, Abdulla, Aronis, Jonsson, Sagonas, JACM 2017):
//   - a node's wakeup tree holds the sequences still to explore from it; a race found in
//     an execution (DPOR.swift) inserts its reversed sequence at the node before the first
//     racing step, unless a thread asleep or explored there, or a branch already in the
//     tree, is an initial of it (insertWakeup). The exploration then follows the whole
//     sequence, not only its first thread, so it reaches the reversed race instead of
//     wandering into subtrees that sleep sets block (source DPOR's redundant runs);
//   - sleep sets: a thread explored at a node (or asleep there) stays asleep in the
//     child while the child's steps are independent of its pending step; an execution
//     reaching a node where every enabled thread sleeps is redundant and not counted.
//   - where a tree's guidance cannot be followed (a cut part's first node, a branch
//     whose thread is not enabled) the node explores freely, as source DPOR does.
//   - one deliberate exception: at the first node with a choice (the "partition node")
//     every enabled thread is explored, in a fixed order. That costs only redundant
//     (uncounted) prefixes, never an extra counted execution, because sleep sets keep
//     complete executions pairwise non-equivalent; it makes the subtrees below the
//     partition node independent, so parallel workers can explore them separately and
//     the merged report equals the single-worker one (Parallel.swift).
//
// Preemption bounding: bounded search with sleep sets or DPOR is unsound (the
// representative of a trace may need more preemptions than another member, Coons et
// al., OOPSLA 2013), so with a bound both naive and dpor enumerate every schedule
// within the bound, without reduction.

/// One step of the explored path.
struct DFSNode {
    /// Threads enabled at the node.
    var enabled: UInt64
    /// Threads to explore at the node.
    var backtrack: UInt64
    /// Threads whose subtree is fully explored.
    var done: UInt64 = 0
    /// Threads asleep on entry.
    var sleep: UInt64 = 0
    /// Thread taken in the current execution.
    var chosen: Int
    /// Thread that ran the step before the node (-1 at the first).
    var last: Int
    /// Preemptions along the path before the node.
    var preemptions: Int
    /// Recorded pending step of each thread asleep on entry or done at the node (DPOR).
    var stepOf: [(thread: Int, step: StepRecord)] = []
    /// Wakeup-tree branches still to explore at the node, in order (DPOR); the branch being
    /// explored has been taken out, its subtree handed to the next node.
    var pending: [WakeupBranch] = []
    /// Times race analysis grew the node's wakeup tree (a speculation of its next child
    /// is stale only after it grew: Speculation.swift).
    var grown = 0

    func step(of thread: Int) -> StepRecord? {
        for e in stepOf where e.thread == thread { return e.step }
        return nil
    }
}

final class DFSExplorer: Chooser {
    let dpor: Bool
    let bound: Int?
    /// Nodes below this index are a fixed prefix (a parallel worker's subtree root).
    let floor: Int
    private(set) var nodes: [DFSNode]
    /// Index of the partition node (first node with a choice), once known.
    private(set) var partition: Int?
    /// First node whose choice changed since the previous execution.
    private(set) var divergence = 0
    /// The wakeup subtree of the branch just taken at the deepest node: the sequence the
    /// next new node is to follow (DPOR).
    private(set) var handoff: [WakeupBranch] = []
    /// The current execution reached a node where every enabled thread sleeps (or that
    /// the bound excludes) and just runs to its end uncounted.
    private(set) var abandoned = false
    /// Audit: the node where the current execution was abandoned and the step recorded for
    /// the sleeping thread it then runs, to compare with the step that thread takes.
    private var asleep: (node: Int, step: StepRecord)?
    /// Audit: the current execution's abandonment was wrong (see `auditSleeper`); it is
    /// counted, with the audit's finding, instead of dropped as redundant.
    private(set) var sleepSetBroken = false
    /// Backtrack points added by race analysis, by object (nil: not profiling).
    var profile: RaceProfile?
    /// The memory budget (`ExecutionLimits.maxMemory`): race analysis of an execution of
    /// a million steps builds tables of that size after the execution's own checks.
    var maxMemory: UInt64?
    /// Set (the resident size) when race analysis stopped at the memory budget: the
    /// exploration cannot go on soundly and stops, with what it counted.
    var memoryStopped: UInt64?
    /// A speculative explorer's reversed races whose first step is in its fixed prefix
    /// (nil for every other explorer, which drops them: Speculation.swift).
    var outside: [OutsideInsertion]?
    /// A speculative explorer's first step at its last prefix node (its child's step).
    var firstStep: StepRecord?
    /// Race analysis's object and wait-queue tables, kept empty between analyses.
    var objectTable: ObjectTable?
    var waitQueueTable: ObjectTable?

    /// A fresh explorer of the whole tree.
    init(dpor: Bool, bound: Int?) {
        self.dpor = dpor && bound == nil
        self.bound = bound
        floor = 0
        nodes = []
    }

    /// An explorer of the subtree under a fixed prefix of nodes, the last one being the
    /// partition node with its chosen child and the earlier children marked done.
    init(dpor: Bool, bound: Int?, prefix: [DFSNode], partition: Int) {
        self.dpor = dpor && bound == nil
        self.bound = bound
        floor = prefix.count
        nodes = prefix
        self.partition = partition
        divergence = prefix.count
    }

    /// A speculative explorer of the subtree below `prefix`, whose last node has been
    /// moved to its next child as `advance` would, following `handoff` (Speculation.swift).
    init(speculating prefix: [DFSNode], handoff: [WakeupBranch], partition: Int?) {
        dpor = true
        bound = nil
        floor = prefix.count
        nodes = prefix
        self.partition = partition
        self.handoff = handoff
        divergence = prefix.count - 1
        outside = []
    }

    func choose(_ x: Execution, enabled: UInt64) -> Int {
        let i = x.stepIndex
        if abandoned { return defaultChoice(enabled, last: x.last) }
        if i < nodes.count {
            let n = nodes[i].chosen
            precondition(
                enabled & (1 << UInt64(n)) != 0 && enabled == nodes[i].enabled,
                "replaying a prefix reached a different state: the model is not deterministic")
            return n
        }
        let last = x.last
        var preemptions = 0
        var sleep: UInt64 = 0
        var stepOf: [(thread: Int, step: StepRecord)] = []
        if i > 0 {
            let parent = nodes[i - 1]
            preemptions = parent.preemptions + (isPreemption(parent, parent.chosen) ? 1 : 0)
            if dpor {
                // Sleepers of the parent, and threads explored there before the one just
                // taken, stay asleep while the step just taken does not touch theirs.
                let taken = x.records[i - 1]
                var candidates = parent.sleep | parent.done
                while candidates != 0 {
                    let t = candidates.trailingZeroBitCount
                    candidates &= candidates - 1
                    if var s = parent.step(of: t), !dependent(s, taken) {
                        sleep |= 1 << UInt64(t)
                        s.fp = s.fp.after(taken.fp)
                        stepOf.append((t, s))
                    }
                }
            }
        }
        var node = DFSNode(enabled: enabled, backtrack: 0, sleep: sleep, chosen: -1, last: last,
                           preemptions: preemptions, stepOf: stepOf)
        var avail = enabled & ~sleep
        if let bound, preemptions >= bound, last >= 0, enabled & (1 << UInt64(last)) != 0 {
            avail &= 1 << UInt64(last)
        }
        if avail == 0 {
            abandoned = true
            let c = defaultChoice(enabled, last: last)
            if x.log.audit, let s = node.step(of: c) { asleep = (i, s) }
            return c
        }
        // Follow the wakeup subtree handed down, skipping a branch whose thread cannot run
        // here (its reversed race then gets found again and inserted anew).
        var guide = handoff
        handoff = []
        while let b = guide.first, avail & (1 << UInt64(b.thread)) == 0 { guide.removeFirst() }
        let pick: Int
        if let b = guide.first {
            pick = Int(b.thread)
            handoff = b.children
            node.pending = Array(guide.dropFirst())
        } else {
            pick = defaultChoice(avail, last: last)
        }
        node.chosen = pick
        if partition == nil && enabled & (enabled - 1) != 0 { partition = i }
        node.backtrack = (!dpor || partition == i) ? avail : 1 << UInt64(pick)
        nodes.append(node)
        return pick
    }

    /// Audit of the sleep-set rule: a thread kept asleep because the steps taken since its
    /// step was recorded do not touch that step's objects must then take that same step.
    /// When it takes another one, some step's footprint left out what decided its
    /// behaviour (a decrement recorded as a commuting update although the caller tests the
    /// count), and DPOR may have skipped classes: an internal error of the model.
    /// Called when an execution ends, before its outcome is taken: an audit finding goes
    /// into the outcome of the execution that shows it.
    func auditSleeper(_ x: Execution) {
        guard let (k, recorded) = asleep, k < x.records.count else { return }
        asleep = nil
        let actual = x.records[k]
        guard actual.fp != recorded.fp || actual.extra != recorded.extra else { return }
        sleepSetBroken = true
        func objects(_ r: StepRecord) -> String {
            var names: [String] = []
            for k in 0..<min(r.fp.count, 6) { names.append("\(r.fp[k].object):\(r.fp[k].kind)") }
            return names.joined(separator: " ") + (r.fp.count > 6 ? " ..." : "")
        }
        x.log.finding("sleep set: thread \(actual.thread) was kept asleep with step ["
                      + objects(recorded) + "] but then took [" + objects(actual) + "]: a step "
                      + "since then changed what it does without a conflicting access")
    }

    private func isPreemption(_ node: DFSNode, _ t: Int) -> Bool {
        node.last >= 0 && node.last != t && node.enabled & (1 << UInt64(node.last)) != 0
    }

    /// After an execution: analyses its races (DPOR) and moves to the next path.
    /// Returns false when the subtree is exhausted.
    func advance(_ records: [StepRecord]) -> Bool {
        if dpor { analyzeRaces(records, nodes: nodes.count, from: divergence) }
        if memoryStopped != nil { return false }
        return moveOn(from: nodes.count - 1) { records[$0] }
    }

    /// Marks the child taken at node `start` explored (`stepAt(i)`: the step node `i`
    /// took) and moves to the deepest node at or above it with an unexplored alternative.
    /// Returns false when the subtree is exhausted.
    func moveOn(from start: Int, stepAt: (Int) -> StepRecord) -> Bool {
        abandoned = false
        sleepSetBroken = false
        asleep = nil
        var i = start
        while i >= floor {
            let t = nodes[i].chosen
            nodes[i].done |= 1 << UInt64(t)
            // Only a node with a choice has later children that need this step's record
            // for their sleep sets (an execution may have a million steps without one).
            if dpor && nodes[i].enabled & (nodes[i].enabled - 1) != 0 {
                nodes[i].stepOf.append((t, stepAt(i)))
            }
            let closed = nodes[i].done | nodes[i].sleep | ~nodes[i].enabled
            var next: Int?
            handoff = []
            while next == nil, !nodes[i].pending.isEmpty {
                let b = nodes[i].pending.removeFirst()
                if closed & (1 << UInt64(b.thread)) == 0 {
                    next = Int(b.thread)
                    handoff = b.children
                }
            }
            let candidates = nodes[i].backtrack & ~closed
            if next == nil && candidates != 0 { next = candidates.trailingZeroBitCount }
            if let next {
                nodes[i].chosen = next
                nodes[i].backtrack |= 1 << UInt64(next)
                nodes.removeLast(nodes.count - i - 1)
                divergence = i
                return true
            }
            i -= 1
        }
        return false
    }

    /// Makes nodes `range` of the current path explore every thread not asleep there, as
    /// the partition node does, so that the subtrees below them are independent and
    /// parallel workers and shards can take them apart (Parallel.swift). Like the partition
    /// node, that adds only redundant (uncounted) prefixes. DPOR only (bounded and naive
    /// nodes explore every allowed thread already).
    func widen(_ range: ClosedRange<Int>) {
        guard dpor else { return }
        for i in range where i >= floor && i < nodes.count {
            nodes[i].backtrack |= nodes[i].enabled & ~nodes[i].sleep
        }
    }

    /// Called by race analysis with the reversed sequence `v` of a race whose first step
    /// is node `i`'s: inserts `v` into the node's wakeup tree unless a thread asleep or
    /// explored at the node is an initial of `v` (an equivalent run was explored), or the
    /// tree already leads to a leaf along initials of `v`. True when the tree grew.
    /// Models `insert[E](v, wut(E))` of optimal DPOR (JACM 2017, Algorithm 2).
    @discardableResult
    func insertWakeup(at i: Int, _ v: inout ReversedSequence) -> Bool {
        guard i >= floor, i != partition, i < nodes.count else { return false }
        let n = nodes[i]
        var covered = n.sleep | n.done
        // Threads a cut or the partition node added to explore here: leaves of the tree.
        var leaves = n.backtrack & ~n.done & ~(1 << UInt64(n.chosen))
        for b in n.pending { leaves &= ~(1 << UInt64(b.thread)) }
        covered |= leaves
        while covered != 0 {
            let t = covered.trailingZeroBitCount
            covered &= covered - 1
            if v.isInitial(t) { return false }
        }
        guard let first = v.firstThread, n.enabled & (1 << UInt64(first)) != 0 else { return false }
        guard Self.insert(&nodes[i].pending, &v) else { return false }
        nodes[i].grown &+= 1
        return true
    }

    /// Descends `branches` along initials of `v`, removing each matched step; appends the
    /// rest of `v` as a new last branch where no branch matches.
    private static func insert(_ branches: inout [WakeupBranch],
                               _ v: inout ReversedSequence) -> Bool {
        for k in branches.indices where v.isInitial(Int(branches[k].thread)) {
            v.removeFirst(of: Int(branches[k].thread))
            if v.isEmpty { return false }
            if branches[k].children.isEmpty {
                // A leaf: optimal DPOR lets the exploration below it find v by itself. It
                // does not when a footprint hides a race (a step that touches more when run
                // in another order): v is followed below the leaf instead.
                guard let rest = v.chain() else { return false }
                branches[k].children = [rest]
                return true
            }
            return insert(&branches[k].children, &v)
        }
        guard let rest = v.chain() else { return false }
        branches.append(rest)
        return true
    }
}

/// A branch of a wakeup tree: a thread to run next, then the branches to follow after it.
struct WakeupBranch: Equatable {
    var thread: Int32
    var children: [WakeupBranch]
}

/// Whether a sleeping step `a` (recorded at an earlier node) may change behaviour after
/// step `b`: their footprints interfere (`Footprint.interferes(with:)`: a conflict, or a
/// decrement of a counter by as much as `a` had room for), or they block on or wake the
/// same wait queue (`extra`; wait queues are apart from the objects' data, see
/// DPOR.swift). Steps of the same thread are ordered by program order separately.
@inline(__always)
func dependent(_ a: StepRecord, _ b: StepRecord) -> Bool {
    if a.fp.interferes(with: b.fp) { return true }
    if a.extra.isEmpty || b.extra.isEmpty { return false }
    for x in a.extra where b.extra.contains(where: { $0.conflicts(with: x) }) { return true }
    return false
}

