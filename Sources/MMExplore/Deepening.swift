// Iterative deepening by preemption bound. Round b explores every schedule with at most b
// preemptions (bounded search, without reduction: DFS.swift says why) and counts only
// those with exactly b, which earlier rounds did not count; the rounds' parts are merged in
// order. After rounds 0...K the counts are those of one bounded search with bound K, but a
// budget that stops round b leaves only schedules with b or more preemptions unexplored:
// the report says "complete up to b-1 preemptions". Executions with fewer preemptions are
// re-run in each round (not counted); the rounds grow fast, so that costs a fraction.

extension Runner {
    /// Rounds 0...limit (nil: until a round the bound cut nowhere, which has explored the
    /// whole tree). The parts of every round in order, the shard's parts re-indexed after
    /// the earlier rounds' parts, and the highest bound whose round finished.
    func deepen(upTo limit: Int?)
        -> (parts: [PartResult<Outcome>], sharded: (count: Int, parts: [ExplorePart<Outcome>])?,
            completeUpTo: Int?)
    {
        var parts: [PartResult<Outcome>] = []
        var shardParts: [ExplorePart<Outcome>] = []
        var partsBefore = 0
        var completeUpTo: Int?
        var bound = 0
        while true {
            let round = Runner(round: bound, of: self)
            var roundParts: [PartResult<Outcome>]
            if let shard = options.shard {
                let (count, owned) = round.parallelDFS(dpor: false, shard: shard)
                shardParts += owned.map { ExplorePart(index: partsBefore + $0.index, $0.result) }
                partsBefore += count
                roundParts = owned.map(\.result)
            } else if jobs == 1 {
                roundParts = [round.runDFS(DFSExplorer(dpor: false, bound: bound), part: 0)]
            } else {
                roundParts = round.parallelDFS(dpor: false).parts.map(\.result)
            }
            parts += roundParts
            guard roundParts.allSatisfy(\.finished) else { break }
            completeUpTo = bound
            if let limit, bound >= limit { break }
            if limit == nil && !roundParts.contains(where: \.boundCut) { break }
            if options.stopAtFirstInteresting,
               roundParts.contains(where: { $0.tally.firstInteresting != nil }) {
                break
            }
            bound += 1
        }
        return (parts, options.shard == nil ? nil : (partsBefore, shardParts), completeUpTo)
    }

    /// The preemptions of the execution `dfs` just ran (switches away from a thread that
    /// could have continued); sets `cut` when the bound kept a node from a thread.
    func preemptions(of dfs: DFSExplorer, cut: inout Bool) -> Int {
        var n = 0
        for node in dfs.nodes {
            if node.backtrack != node.enabled { cut = true }
            let lastEnabled = node.last >= 0 && node.enabled & (1 << UInt64(node.last)) != 0
            if lastEnabled && node.chosen != node.last {
                n += 1
            }
        }
        return n
    }
}
