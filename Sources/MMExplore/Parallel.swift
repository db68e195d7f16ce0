// Parallel workers. An exploration is cut into parts whose order is the order one
// worker would explore them in; workers (OS threads, one execution state each) take
// parts and the parts' results are merged in that order, so the report does not depend
// on the number of workers (Runner.merge applies the budgets as a single worker would
// have; only a timeout makes the result timing-dependent).
//
// Trees are cut at the partition node, the first step with a choice: one part per
// thread explored there. A DPOR part other than the first is cut again when a worker
// takes it (its first execution, uncounted, shows its path), at the first node below its
// prefix, which then explores every thread not asleep there (DFSExplorer.widen); its
// pieces join the queue. DPOR runs this way with one worker too, so the cuts (which add
// redundant, uncounted prefixes only) shape every report alike.
//
// Within a part, a worker with a free core explores later children of its path ahead of
// time and takes them over when it reaches them, if they started from what it would have
// started them from (Speculation.swift); the report is still one worker's. The parts
// alone give no speed-up: DPOR puts nearly all of a tree under the first child of its
// partition node (fs-dax bench shape: 26,705 executions in part 0, none in the others).
//
// Cutting deeper (every node down to the first execution's fourth racing step, as an
// earlier version did, so that the first part did not hold all the work) lost classes:
// on v4.19-mremap-flush-before-release-off, 78 of the 1,093 classes a single-node cut
// explores, and on -on 3 that `--preemptions 4` reaches (classes compared by their
// canonical linearisation). The cause was not found; until it is, one node per level.

import Dispatch
import Foundation

/// What the probe execution of `parallelDFS` found: a budget stopped it, the tree has no
/// choice (one part), or the partition node and the top parts cut there.
private enum ProbeResult {
    case stopped, whole, cut(Int, [(prefix: [DFSNode], splits: Bool)])
}

extension Runner {
    /// Runs parts 0..<count (inline with one job, else on worker threads) and returns
    /// their results in index order. Progress is reported from the calling thread.
    func runParts(_ count: Int, _ body: @escaping (Int) -> PartResult<Outcome>)
        -> [PartResult<Outcome>]
    {
        if jobs == 1 || count <= 1 { return (0..<count).map(body) }
        let lock = NSLock()
        let shared = SharedParts<Outcome>(count, body)
        let workers = min(jobs, count)
        let finished = DispatchSemaphore(value: 0)
        for _ in 0..<workers {
            let thread = Thread {
                while true {
                    lock.lock()
                    let part = shared.next
                    shared.next += 1
                    lock.unlock()
                    if part >= count { break }
                    let result = shared.body!(part)
                    lock.lock()
                    shared.results[part] = result
                    lock.unlock()
                }
                finished.signal()
            }
            // Model code's synchronous frames live on this stack; async frames do not.
            thread.stackSize = 8 << 20
            thread.start()
        }
        var progress = ProgressThrottle(options.progress, start: control.start)
        var done = 0
        while done < workers {
            if finished.wait(timeout: .now() + .milliseconds(100)) == .success { done += 1 }
            progress.tick(control.executionsDone)
        }
        lock.lock()
        defer { lock.unlock() }
        // A Thread keeps its closure until it has exited, which may be after it signalled:
        // drop the part body (it holds the caller's non-escaping closures) here.
        shared.body = nil
        return shared.results.map { $0! }
    }

    /// Naive or DPOR exploration cut into parts: the number of top-level parts the tree
    /// has and the results of those `shard` owns (every part without a shard), in index
    /// order. DPOR always runs this way, with any number of workers, so that its report
    /// (which the cuts shape: see `cut`) is the same for every number of workers and shards.
    func parallelDFS(dpor: Bool, shard: Shard? = nil)
        -> (count: Int, parts: [(index: Int, result: PartResult<Outcome>)])
    {
        let bound = options.preemptionBound
        let unfinished = PartResult<Outcome>(tally: Tally(), finished: false)
        let stopped = (1, [(index: 0, result: unfinished)])
        // A probe execution (not counted) finds the partition node.
        // The probe's execution and nodes are dropped before the tree is explored: an
        // execution of millions of steps (touching 16G) would otherwise be held twice.
        let probe: ProbeResult = {
            let first = DFSExplorer(dpor: dpor, bound: bound)
            let (x0, end0, _) = execute(first, recording: first.dpor)
            if probeStopped(end0) { return .stopped }
            if probeHitThreadLimit(end0) { return .whole }
            guard let p = first.partition, p < first.nodes.count else { return .whole }
            // Naive subtrees below the partition node are alike: cut there only.
            guard let top = cut(first, x0.records, prefix: [], from: p, partition: p)
            else { return .stopped }
            return .cut(p, top)
        }()
        let p: Int, top: [(prefix: [DFSNode], splits: Bool)]
        switch probe {
        case .stopped: return stopped
        case .whole:
            let whole = shard?.owns(part: 0) ?? true
            return (1, whole ? [(0, runDFS(DFSExplorer(dpor: dpor, bound: bound), part: 0))] : [])
        case .cut(let node, let parts): (p, top) = (node, parts)
        }
        let mine = (0..<top.count).filter { shard?.owns(part: $0) ?? true }
        let results = runTree(mine.map { k in
            PartTask(root: k, prefix: top[k].prefix, splits: top[k].splits)
        }, partition: p)
        return (top.count, Array(zip(mine, results)).map { (index: $0.0, result: $0.1) })
    }

    /// For a probe execution (not counted): true when a budget stopped it, and every
    /// worker stops. An execution over the explorer's thread limit does not stop the
    /// exploration here: the explorer reaches it later, in order, counts it and stops
    /// there, as one job does.
    func probeStopped(_ end: ExecutionEnd) -> Bool {
        guard let stop = end.stopped, stop.isBudget else { return false }
        control.budgetStopped(stop)
        return true
    }

    /// True when a probe execution went over the explorer's thread limit.
    func probeHitThreadLimit(_ end: ExecutionEnd) -> Bool {
        end.stopped.map { !$0.isBudget } ?? false
    }

    /// Cuts the subtree whose first execution `explorer` just ran (`records`) at node
    /// `from`. Returns its parts in the order one worker explores them, each with its
    /// fixed prefix and whether it is itself to be cut (the later children of each cut
    /// node, once, when `splits` allows); nil when a budget stopped a probe.
    func cut(_ explorer: DFSExplorer, _ records: [StepRecord], prefix rootPrefix: [DFSNode],
             from: Int,
             partition p: Int, splits: Bool = true)
        -> [(prefix: [DFSNode], splits: Bool)]?
    {
        guard from < explorer.nodes.count else { return [(rootPrefix, false)] }
        let j = from
        explorer.widen(j...j)
        let nodes = explorer.nodes
        var parts: [(prefix: [DFSNode], splits: Bool)] = []
        let node = nodes[j]
        var order = [node.chosen]
        var rest = node.backtrack & ~(1 << UInt64(node.chosen))
        while rest != 0 {
            order.append(rest.trailingZeroBitCount)
            rest &= rest - 1
        }
        // The step each earlier child took at node j, for the sleep sets of later ones
        // (DPOR): the first child's is the first execution's, the others' their probes'.
        var prefix = Array(nodes[0...j])
        var earlier: StepRecord? = explorer.dpor ? records[j] : nil
        for (rank, c) in order.enumerated() {
            if rank > 0 {
                prefix[j].done |= 1 << UInt64(order[rank - 1])
                if let earlier { prefix[j].stepOf.append((order[rank - 1], earlier)) }
            }
            prefix[j].chosen = c
            if rank == 0 {
                parts.append((prefix, false))
                continue
            }
            if explorer.dpor && rank + 1 < order.count {
                let probe = DFSExplorer(dpor: true, bound: explorer.bound, prefix: prefix,
                                        partition: p)
                let (x, end, _) = execute(probe, recording: true)
                if probeStopped(end) { return nil }
                // Over the thread limit, the child's step may be missing: the later
                // children then keep it out of their sleep sets (more runs, none lost).
                earlier = probeHitThreadLimit(end) || x.records.count <= j ? nil : x.records[j]
            }
            parts.append((prefix, splits && explorer.dpor))
        }
        return parts
    }
}

/// A part of a DFS tree: the fixed prefix of its explorer (the last node set to the part's
/// child), the top-level part it belongs to, and whether it is to be cut in turn.
struct PartTask {
    var root: Int
    var prefix: [DFSNode]
    var splits: Bool
    /// Position among the parts, for merging in exploration order.
    var path: [Int] = []
}

extension Runner {
    /// Explores `tasks` (top-level parts; splitting ones are cut into parts that join the
    /// queue) inline with one job, else on worker threads; returns each top-level part's
    /// result, its pieces merged in exploration order.
    func runTree(_ tasks: [PartTask], partition p: Int) -> [PartResult<Outcome>] {
        let queue = TaskQueue<Outcome>(tasks.enumerated().map { i, t in
            var t = t
            t.path = [i]
            return t
        })
        let work: (PartTask) -> [PartTask]? = { task in
            if task.splits {
                let probe = DFSExplorer(dpor: true, bound: options.preemptionBound,
                                        prefix: task.prefix,
                                        partition: p)
                let (x, end, _) = execute(probe, recording: true)
                let stopped = probeStopped(end)
                if !stopped && !probeHitThreadLimit(end) {
                    if let parts = cut(probe, x.records, prefix: task.prefix,
                                       from: task.prefix.count, partition: p, splits: false) {
                        return parts.enumerated().map { k, part in
                            PartTask(root: task.root, prefix: part.prefix, splits: false,
                                     path: task.path + [k])
                        }
                    }
                }
                if stopped || control.shouldStop(part: task.root, executions: 0) {
                    queue.finish(task.path, PartResult(tally: Tally(), finished: false))
                    return nil
                }
                // A probe over the thread limit: the part is explored uncut.
            }
            let dfs = DFSExplorer(dpor: options.strategy == .dpor, bound: options.preemptionBound,
                                  prefix: task.prefix, partition: p)
            queue.finish(task.path, runDFS(dfs, part: task.root))
            return nil
        }
        let workers = jobs
        if workers == 1 {
            // In exploration order: nothing after the first interesting execution matters.
            var found = false
            while let task = queue.take() {
                if found {
                    queue.finish(task.path, PartResult(tally: Tally(), finished: false))
                    queue.add(nil, after: task)
                    continue
                }
                queue.add(work(task), after: task)
                found = options.stopAtFirstInteresting
                    && queue.results.contains { $0.result.tally.firstInteresting != nil }
            }
        } else {
            let finished = DispatchSemaphore(value: 0)
            // A Thread keeps its closure until it has exited, which may be after it
            // signalled: the work (it holds the caller's non-escaping closures) is reached
            // through a box emptied once every worker is done.
            let box = WorkBox(work)
            for _ in 0..<workers {
                let thread = Thread {
                    while let task = queue.take() { queue.add(box.work!(task), after: task) }
                    finished.signal()
                }
                // Model code's synchronous frames live on this stack; async frames do not.
                thread.stackSize = 8 << 20
                thread.start()
            }
            var progress = ProgressThrottle(options.progress, start: control.start)
            var done = 0
            while done < workers {
                if finished.wait(timeout: .now() + .milliseconds(100)) == .success { done += 1 }
                progress.tick(control.executionsDone)
            }
            box.work = nil
        }
        // Each top-level part: its pieces in path order.
        var merged: [PartResult<Outcome>] = tasks.map { _ in
            PartResult(tally: Tally(keepLog: keepLog), finished: true)
        }
        var stoppedRoot = Set<Int>()
        for (path, r) in queue.results.sorted(by: { $0.path.lexicographicallyPrecedes($1.path) }) {
            let i = path[0]
            // Pieces after the first interesting execution are moot, as one worker would
            // not have explored them.
            if stoppedRoot.contains(i) { continue }
            if options.stopAtFirstInteresting && r.tally.firstInteresting != nil {
                stoppedRoot.insert(i)
                merged[i].finished = false
            }
            merged[i].tally.append(r.tally)
            merged[i].finished = merged[i].finished && r.finished
            merged[i].boundCut = merged[i].boundCut || r.boundCut
            // Likewise the pieces after an execution over the thread limit.
            if r.threadLimit {
                stoppedRoot.insert(i)
                merged[i].threadLimit = true
            }
        }
        return merged
    }
}

/// The work function of `runTree`'s workers, dropped when they are done.
private final class WorkBox: @unchecked Sendable {
    var work: ((PartTask) -> [PartTask]?)?
    init(_ work: @escaping (PartTask) -> [PartTask]?) { self.work = work }
}

/// The parts waiting and the results, shared by the workers. A worker that cuts a part
/// puts its pieces at the front, so one worker explores them in exploration order.
private final class TaskQueue<Outcome: Hashable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [PartTask]
    private var running = 0
    private(set) var results: [(path: [Int], result: PartResult<Outcome>)] = []

    init(_ tasks: [PartTask]) { pending = tasks }

    /// The next part, waiting while others may still add pieces; nil when all is done.
    func take() -> PartTask? {
        condition.lock()
        defer { condition.unlock() }
        while pending.isEmpty {
            if running == 0 { return nil }
            condition.wait()
        }
        running += 1
        return pending.removeFirst()
    }

    /// `task` is over; `pieces`, if it was cut, go to the front of the queue.
    func add(_ pieces: [PartTask]?, after task: PartTask) {
        condition.lock()
        if let pieces { pending.insert(contentsOf: pieces, at: 0) }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    func finish(_ path: [Int], _ result: PartResult<Outcome>) {
        condition.lock()
        results.append((path, result))
        condition.unlock()
    }
}

/// The parts' results and the next part to take, guarded by the caller's lock.
private final class SharedParts<Outcome: Hashable>: @unchecked Sendable {
    var next = 0
    var results: [PartResult<Outcome>?]
    var body: ((Int) -> PartResult<Outcome>)?
    init(_ count: Int, _ body: @escaping (Int) -> PartResult<Outcome>) {
        results = Array(repeating: nil, count: count)
        self.body = body
    }
}
