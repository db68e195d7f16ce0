// Parallel workers. An exploration is cut into parts whose order is the order one
// worker would explore them in; workers (OS threads, one execution state each) take
// parts in index order and the parts' results are merged in index order, so the report
// does not depend on the number of workers (Runner.merge applies the budgets as a
// single worker would have; only a timeout makes the result timing-dependent).
//
// Naive and DPOR trees are cut at the partition node, the first step with a choice:
// one part per thread explored there (see DFS.swift for why DPOR explores every
// enabled thread at that node). DPOR therefore parallelises only as well as those
// top-level subtrees balance; with sleep sets, later ones are usually smaller.

import Dispatch
import Foundation

extension Runner {
    /// Runs parts 0..<count (inline with one job, else on worker threads) and returns
    /// their results in index order. Progress is reported from the calling thread.
    func runParts(_ count: Int, _ body: @escaping (Int) -> PartResult<Outcome>) -> [PartResult<Outcome>] {
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

    /// Naive or DPOR exploration split at the partition node: the number of parts the
    /// tree has and the results of those `shard` owns (every part without a shard), in
    /// index order.
    func parallelDFS(dpor: Bool, shard: Shard? = nil)
        -> (count: Int, parts: [(index: Int, result: PartResult<Outcome>)])
    {
        func owned(_ count: Int, _ body: @escaping (Int) -> PartResult<Outcome>)
            -> (count: Int, parts: [(index: Int, result: PartResult<Outcome>)])
        {
            let mine = (0..<count).filter { shard?.owns(part: $0) ?? true }
            let results = runParts(mine.count) { body(mine[$0]) }
            return (count, Array(zip(mine, results)).map { (index: $0.0, result: $0.1) })
        }
        let bound = options.preemptionBound
        // A probe execution (not counted) finds the partition node.
        let first = DFSExplorer(dpor: dpor, bound: bound)
        let (x0, end0, _) = execute(first, recording: first.dpor)
        if budgetStopped(end0) { return (1, [(0, PartResult(tally: Tally(), finished: false))]) }
        guard let p = first.partition, p < first.nodes.count else {
            return owned(1) { _ in runDFS(DFSExplorer(dpor: dpor, bound: bound), part: 0) }
        }
        let prefix = Array(first.nodes[0...p])
        let node = prefix[p]
        var order = [node.chosen]
        var rest = node.backtrack & ~(1 << UInt64(node.chosen))
        while rest != 0 {
            order.append(rest.trailingZeroBitCount)
            rest &= rest - 1
        }
        // DPOR's sleep sets below the partition node need the step each earlier child
        // took there: one probe execution per child (the first one is x0).
        var steps: [StepRecord] = []
        if first.dpor {
            steps.append(x0.records[p])
            for c in order.dropFirst() {
                var probePrefix = prefix
                probePrefix[p].chosen = c
                let probe = DFSExplorer(dpor: true, bound: bound, prefix: probePrefix, partition: p)
                let (x, end, _) = execute(probe, recording: true)
                if budgetStopped(end) { return (1, [(0, PartResult(tally: Tally(), finished: false))]) }
                steps.append(x.records[p])
            }
        }
        return owned(order.count) { k in
            var partPrefix = prefix
            partPrefix[p].chosen = order[k]
            partPrefix[p].done = 0
            partPrefix[p].stepOf = []
            for e in 0..<k {
                partPrefix[p].done |= 1 << UInt64(order[e])
                if first.dpor { partPrefix[p].stepOf.append((order[e], steps[e])) }
            }
            return runDFS(DFSExplorer(dpor: dpor, bound: bound, prefix: partPrefix, partition: p), part: k)
        }
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
