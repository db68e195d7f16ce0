// The explorer's entry point: runs the executions a strategy asks for and counts their
// outcomes.

/// Explores the executions of the program `make` builds, with `options.strategy`.
///
/// `make` is called once per execution and returns fresh state captured in the plan's
/// closures and in `finish`, which turns the way the execution ended into an outcome.
/// With `options.jobs > 1`, `make`, `finish` and `isInteresting` are called from several
/// OS threads at once (each execution's state is its own). Model closures must be
/// nonisolated (not bound to an actor): every thread runs on the explorer's executor.
public func explore<Outcome: Hashable>(
    _ options: ExploreOptions,
    testHash: UInt32,
    isInteresting: (Outcome) -> Bool,
    make: () -> (plan: ExecutionPlan, finish: (ExecutionEnd) -> Outcome)
) -> ExploreReport<Outcome> {
    withoutActuallyEscaping(make) { make in
        withoutActuallyEscaping(isInteresting) { isInteresting in
            let runner = Runner(make: make, isInteresting: isInteresting, options: options)
            return runner.run(testHash: testHash)
        }
    }
}

/// The result of one part of an exploration (the whole of it with one job).
struct PartResult<Outcome: Hashable> {
    var tally: Tally<Outcome>
    /// The part ran out of executions by itself (no budget or interesting stop).
    var finished: Bool
    /// A preemption bound kept the part from some schedule (iterative deepening).
    var boundCut = false
    /// An execution of the part hit the explorer's thread limit and the part stopped
    /// after counting it; the parts after it are moot. A speculation's tells its owner,
    /// which stops there only if it takes the speculation over (a dropped one's
    /// executions are not the exploration's).
    var threadLimit = false
}

struct Runner<Outcome: Hashable> {
    let make: () -> (plan: ExecutionPlan, finish: (ExecutionEnd) -> Outcome)
    let isInteresting: (Outcome) -> Bool
    let options: ExploreOptions
    let control: Control
    /// In a round of iterative deepening (Deepening.swift): count only the executions
    /// with exactly this many preemptions (earlier rounds counted the others).
    let exactPreemptions: Int?

    init(make: @escaping () -> (plan: ExecutionPlan, finish: (ExecutionEnd) -> Outcome),
         isInteresting: @escaping (Outcome) -> Bool, options: ExploreOptions) {
        self.make = make
        self.isInteresting = isInteresting
        self.options = options
        control = Control(options)
        exactPreemptions = nil
    }

    /// The runner of deepening round `bound`, sharing `runner`'s budgets.
    init(round bound: Int, of runner: Runner) {
        make = runner.make
        isInteresting = runner.isInteresting
        var o = runner.options
        o.preemptionBound = bound
        options = o
        control = runner.control
        exactPreemptions = bound
    }

    var jobs: Int { max(1, options.jobs) }
    /// Keep per-execution logs when parts (parallel ones, deepening rounds) may have to be
    /// cut by maxExecutions.
    var keepLog: Bool { options.maxExecutions != nil }

    func run(testHash: UInt32) -> ExploreReport<Outcome> {
        var pctBound: Double?
        let parts: [PartResult<Outcome>]
        var sharded: (count: Int, parts: [ExplorePart<Outcome>])?
        var deepened: (completeUpTo: Int?, byBudget: Bool)?
        switch options.strategy {
        case .sequential:
            var tally = Tally<Outcome>()
            let (x, end, finish) = execute(SequentialChooser(), recording: false)
            if budgetStopped(end) {
                parts = [PartResult(tally: tally, finished: false)]
            } else {
                count(finish(end), x, into: &tally, part: 0)
                parts = [PartResult(tally: tally, finished: true)]
            }
        case .naive, .dpor:
            let dpor = options.strategy == .dpor
            if let bound = options.preemptionBound, exactPreemptions == nil {
                let d = deepen(upTo: bound)
                parts = d.parts
                sharded = d.sharded
                deepened = (d.completeUpTo, false)
            } else if options.deepenOnBudget, let timeout = options.timeout, options.shard == nil,
                      exactPreemptions == nil {
                // DPOR for half the budget; unfinished, the rest goes to deepening.
                var o = options
                o.timeout = timeout / 2
                o.deepenOnBudget = false
                let whole = Runner(make: make, isInteresting: isInteresting, options: o)
                    .run(testHash: testHash)
                if whole.complete || whole.stopReason != "timeout" { return whole }
                // The profile is DPOR's: keep the half that ran it.
                if let p = whole.profile { control.absorb(p) }
                let d = deepen(upTo: nil)
                parts = d.parts
                deepened = (d.completeUpTo, true)
            } else if let shard = options.shard {
                let (count, owned) = parallelDFS(dpor: dpor, shard: shard)
                parts = owned.map(\.result)
                sharded = (count, owned.map { ExplorePart(index: $0.index, $0.result) })
            } else {
                // DPOR always runs in parts (its cuts shape the report: Parallel.swift).
                if jobs == 1 && !dpor {
                    let naive = DFSExplorer(dpor: false, bound: options.preemptionBound)
                    parts = [runDFS(naive, part: 0)]
                } else {
                    parts = parallelDFS(dpor: dpor).parts.map(\.result)
                }
            }
        case .random(let seed, let runs):
            parts = runRuns(runs) { run in
                RandomChooser(seed: SplitMix64.seed(seed, run: run),
                              preemptionBound: options.preemptionBound)
            }
        case .pct(let depth, let runs, let seed):
            // Estimate k (steps) and t (threads) from one sequential run, not counted.
            let (x, end, _) = execute(SequentialChooser(), recording: false)
            if budgetStopped(end) { parts = [PartResult(tally: Tally(), finished: false)]; break }
            let k = max(1, x.stepIndex)
            pctBound = PCTChooser.bound(threads: x.slots.count, steps: k, depth: depth)
            parts = runRuns(runs) { run in
                PCTChooser(seed: SplitMix64.seed(seed, run: run), depth: depth, steps: k)
            }
        }
        var r = report(merge(parts), testHash: testHash, pctBound: pctBound)
        if let deepened {
            r.completeUpToPreemptions = deepened.completeUpTo
            r.deepenedAfterBudget = deepened.byBudget
            // Deepening that got past every bound without a cut enumerated the whole tree.
            if deepened.byBudget && r.complete { r.completeUpToPreemptions = nil }
        }
        if let shard = options.shard {
            // Strategies that are not cut into parts are one part, shard 1's.
            let whole = {
                (shard.owns(part: 0) ? parts.first : nil).map { [ExplorePart(index: 0, $0)] } ?? []
            }
            r.partCount = sharded?.count ?? 1
            r.parts = sharded?.parts ?? whole()
        }
        return r
    }

    /// Runs one execution.
    func execute(_ chooser: Chooser, recording: Bool)
        -> (Execution, ExecutionEnd, (ExecutionEnd) -> Outcome)
    {
        let (plan, finish) = make()
        let x = Execution(chooser: chooser, recording: recording, limits: control.limits,
                          log: plan.log)
        let end = x.run(plan)
        return (x, end, finish)
    }

    /// True when a budget cut execution `end` short: it is not counted, and every worker
    /// stops (the exploration is incomplete). An execution of part `part` over the thread
    /// limit is counted, and stops that part and the later ones.
    func budgetStopped(_ end: ExecutionEnd, part: Int = 0) -> Bool {
        guard let stop = end.stopped else { return false }
        guard stop.isBudget else {
            control.threadLimitHit(part: part)
            return false
        }
        control.budgetStopped(stop)
        return true
    }

    /// Counts an execution; returns true when it was interesting.
    @discardableResult
    func count(_ outcome: Outcome, _ x: Execution, into tally: inout Tally<Outcome>,
               part: Int, announce: Bool = true) -> Bool {
        let interesting = isInteresting(outcome)
        tally.add(outcome, steps: x.totalSteps, interesting: interesting,
                  schedule: Schedule(choices: x.choices))
        if interesting && options.stopAtFirstInteresting && announce {
            control.foundInteresting(part: part)
        }
        return interesting
    }

    /// With one worker, parts run in exploration order: `maxExecutions` counts over all of
    /// them (with several, each part stops at it by itself and `merge` cuts).
    var overBudget: Bool {
        guard jobs == 1, let max = options.maxExecutions else { return false }
        return control.executionsDone >= max
    }

    /// Explores a DFS tree (or a subtree) to its end or until a budget stops it. With more
    /// than one job, later children of its path are explored ahead of time on other cores
    /// and taken over when reached (Speculation.swift); `speculation` is set when this is
    /// such an exploration itself.
    func runDFS(_ dfs: DFSExplorer, part: Int, speculation: Speculation<Outcome>? = nil)
        -> PartResult<Outcome>
    {
        let speculative = speculation != nil
        if options.profile && dfs.dpor {
            dfs.profile = RaceProfile()
        }
        // A speculation's profile goes to its owner, when taken over.
        defer { if !speculative, let p = dfs.profile { control.absorb(p) } }
        // A speculation runs on the core its owner took for it.
        if !speculative { control.cores.take() }
        var ahead: [Speculation<Outcome>] = [], dropped: [Speculation<Outcome>] = []
        defer {
            // Wait for the speculations still running without holding a core: one of
            // them may be waiting for a core itself (to go on after a speculation of its
            // own), and two explorers each holding one while waiting would deadlock.
            let running = ahead + dropped
            for s in running { s.cancel() }
            control.cores.give()
            for s in running { _ = s.wait() }
            // A speculation's thread gives its core back when the run returns.
            if speculative { control.cores.take() }
        }
        dfs.maxMemory = control.limits.maxMemory
        var tally = Tally<Outcome>(keepLog: keepLog)
        var progress = jobs == 1 ? ProgressThrottle(options.progress, start: control.start) : nil
        var boundCut = false
        while true {
            if control.shouldStop(part: part, executions: tally.executions) || overBudget
                || speculation?.isCancelled == true {
                return PartResult(tally: tally, finished: false, boundCut: boundCut)
            }
            let (x, end, finish) = execute(dfs, recording: dfs.dpor || options.collectClasses)
            // Over the thread limit: counted like any other, then the part stops (see
            // PartResult); a speculation's owner decides whether the others stop.
            let limitHit = end.stopped.map { !$0.isBudget } == true
            if limitHit && !speculative { control.threadLimitHit(part: part) }
            if !limitHit && budgetStopped(end) {
                return PartResult(tally: tally, finished: false, boundCut: boundCut)
            }
            if speculative && dfs.firstStep == nil { dfs.firstStep = x.records[dfs.floor - 1] }
            dfs.auditSleeper(x)
            var stop = false
            if dfs.abandoned && !dfs.sleepSetBroken {
                tally.redundant += 1
            } else if let exact = exactPreemptions, preemptions(of: dfs, cut: &boundCut) != exact {
                // An earlier deepening round counted it.
            } else {
                stop = count(finish(end), x, into: &tally, part: part, announce: !speculative)
                    && options.stopAtFirstInteresting
                if options.collectClasses { tally.addClass(TraceClass(x.records)) }
                dfs.profile?.executions += 1
                if speculative {
                    tally.speculation.executions += 1
                } else {
                    control.reportDone(1)
                }
            }
            progress?.tick(control.executionsDone)
            if limitHit {
                return PartResult(tally: tally, finished: false, boundCut: boundCut,
                                  threadLimit: true)
            }
            let more = dfs.advance(x.records)
            if let rss = dfs.memoryStopped {
                control.budgetStopped(.memory(resident: rss))
                return PartResult(tally: tally, finished: false, boundCut: boundCut)
            }
            if !more { return PartResult(tally: tally, finished: true, boundCut: boundCut) }
            if stop { return PartResult(tally: tally, finished: false, boundCut: boundCut) }
            var limitTaken = false
            if !ahead.isEmpty, let exhausted = takeAhead(
                dfs, &ahead, dropped: &dropped, records: x.records, tally: &tally, part: part,
                speculative: speculative, threadLimit: &limitTaken) {
                return PartResult(tally: tally, finished: exhausted, boundCut: boundCut,
                                  threadLimit: limitTaken)
            }
            speculate(dfs, &ahead, dropped: &dropped, stale: &tally.speculation.dropped,
                      records: x.records, part: part, parent: speculation)
        }
    }

    /// Runs `runs` independent executions (random, PCT), split into parts for workers.
    func runRuns(_ runs: Int, chooser: @escaping (Int) -> Chooser) -> [PartResult<Outcome>] {
        let size = jobs == 1 ? max(1, runs) : max(1, (runs + jobs * 8 - 1) / (jobs * 8))
        let partCount = (runs + size - 1) / size
        return runParts(partCount) { part in
            var tally = Tally<Outcome>(keepLog: keepLog)
            var progress = jobs == 1
                ? ProgressThrottle(options.progress, start: control.start) : nil
            for run in (part * size)..<min(runs, (part + 1) * size) {
                if control.shouldStop(part: part, executions: tally.executions) {
                    return PartResult(tally: tally, finished: false)
                }
                let (x, end, finish) = execute(chooser(run), recording: false)
                if budgetStopped(end, part: part) {
                    return PartResult(tally: tally, finished: false)
                }
                let interesting = count(finish(end), x, into: &tally, part: part)
                if jobs > 1 { control.reportDone(1) }
                progress?.tick(tally.executions)
                // Over the thread limit: counted, then this part stops (later ones too).
                if end.stopped != nil {
                    return PartResult(tally: tally, finished: false, threadLimit: true)
                }
                if interesting && options.stopAtFirstInteresting && run + 1 < runs {
                    return PartResult(tally: tally, finished: false)
                }
            }
            return PartResult(tally: tally, finished: true)
        }
    }

    /// Concatenates the parts in exploration order, applying the budgets as one worker
    /// exploring them in that order would have.
    func merge(_ parts: [PartResult<Outcome>])
        -> (Tally<Outcome>, complete: Bool, reason: String?)
    {
        var total = Tally<Outcome>()
        var reason: String?
        for (i, part) in parts.enumerated() {
            let remaining = options.maxExecutions.map { $0 - total.executions }
            let cut = remaining.map { part.tally.executions > $0 } ?? false
            total.append(part.tally, limit: remaining)
            let last = i == parts.count - 1
            if options.stopAtFirstInteresting, total.firstInteresting != nil {
                let more = !(part.finished && last) || cut
                return (total, !more, more ? "first-interesting" : nil)
            }
            if let max = options.maxExecutions, total.executions >= max,
               !(last && part.finished && !cut) {
                return (total, false, "max-executions")
            }
            // One worker stops at the execution over the thread limit.
            if part.threadLimit { return (total, false, "thread-limit") }
            if !part.finished {
                // A timeout, the memory budget or Ctrl-C cuts parts anywhere: keep what
                // every worker did.
                if control.interrupted {
                    reason = "interrupted"
                    continue
                }
                if control.outOfMemory {
                    reason = reason ?? "max-memory"
                    continue
                }
                if control.timedOut {
                    reason = reason ?? "timeout"
                    continue
                }
                if control.threadLimit {
                    reason = reason ?? "thread-limit"
                    continue
                }
                return (total, false, "max-executions")
            }
        }
        return (total, reason == nil, reason)
    }

    func report(_ merged: (Tally<Outcome>, complete: Bool, reason: String?), testHash: UInt32,
                pctBound: Double?) -> ExploreReport<Outcome> {
        let (t, complete, reason) = merged
        return ExploreReport(
            executions: t.executions, outcomes: t.outcomes, firstSchedules: t.firstSchedules,
            firstInteresting: t.firstInteresting,
            complete: complete, stopReason: reason, elapsed: now() - control.start,
            totalSteps: t.totalSteps, pctBound: pctBound, redundant: t.redundant,
            testHash: testHash,
            profile: options.profile ? control.profile : nil,
            classes: t.classes, repeatedClasses: t.repeatedClasses,
            speculation: t.speculation)
    }
}
