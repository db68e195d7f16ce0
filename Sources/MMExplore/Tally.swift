// Counting the outcomes of executions, and merging counts of consecutive parts of one
// exploration in order (parallel workers).

struct Tally<Outcome: Hashable> {
    var outcomes: [(outcome: Outcome, count: Int)] = []
    /// The schedule of the first execution of each outcome (parallel to `outcomes`): a
    /// witness per outcome, for replay tokens.
    var firstSchedules: [Schedule] = []
    private var index: [Outcome: Int] = [:]
    var executions = 0
    var totalSteps = 0
    var redundant = 0
    /// Subtrees explored ahead of time on another core, taken over or dropped.
    var speculation = SpeculationCount()
    var firstInteresting: (outcome: Outcome, schedule: Schedule)?
    /// Outcome index and steps of each execution, kept only when a merge may have to cut
    /// this part short (a `maxExecutions` budget spread over parallel parts).
    var log: [(outcome: Int32, steps: Int32)]?
    /// The classes of the counted executions, when collected (Classes.swift).
    var classes: Set<TraceClass>?
    /// Counted executions whose class was already in `classes`.
    var repeatedClasses = 0

    init(keepLog: Bool = false) {
        if keepLog { log = [] }
    }

    /// Notes the class of a counted execution.
    mutating func addClass(_ c: TraceClass) {
        if classes == nil { classes = [] }
        if !classes!.insert(c).inserted { repeatedClasses += 1 }
    }

    /// Counts one execution.
    mutating func add(_ outcome: Outcome, steps: Int, interesting: Bool,
                      schedule: @autoclosure () -> Schedule) {
        let k: Int
        if let existing = index[outcome] {
            k = existing
            outcomes[k].count += 1
        } else {
            k = outcomes.count
            index[outcome] = k
            outcomes.append((outcome, 1))
            firstSchedules.append(schedule())
        }
        executions += 1
        totalSteps += steps
        log?.append((Int32(k), Int32(clamping: steps)))
        if interesting && firstInteresting == nil {
            firstInteresting = (outcome, outcomes[k].count == 1 ? firstSchedules[k] : schedule())
        }
    }

    /// Appends the executions of `part`, which came after this tally's in exploration
    /// order; only its first `limit` executions when a limit is given (needs its log).
    mutating func append(_ part: Tally, limit: Int? = nil) {
        redundant += part.redundant
        speculation.add(part.speculation)
        if let theirs = part.classes {
            repeatedClasses += part.repeatedClasses
            for c in theirs where classes?.insert(c).inserted == false { repeatedClasses += 1 }
            if classes == nil { classes = theirs }
        }
        if let limit, limit < part.executions, let log = part.log {
            for e in log.prefix(limit) {
                let o = part.outcomes[Int(e.outcome)].outcome
                countOnly(o, steps: Int(e.steps), schedule: part.firstSchedules[Int(e.outcome)])
            }
            if let fi = part.firstInteresting, firstInteresting == nil,
               let at = log.firstIndex(where: {
                   part.outcomes[Int($0.outcome)].outcome == fi.outcome
               }),
               at < limit {
                firstInteresting = fi
            }
            return
        }
        for (i, (o, c)) in part.outcomes.enumerated() {
            if let k = index[o] {
                outcomes[k].count += c
            } else {
                index[o] = outcomes.count
                outcomes.append((o, c))
                firstSchedules.append(part.firstSchedules[i])
            }
        }
        executions += part.executions
        totalSteps += part.totalSteps
        if firstInteresting == nil { firstInteresting = part.firstInteresting }
        if log != nil, let plog = part.log {
            // Re-index the part's log into this tally's outcome numbering.
            for e in plog {
                log!.append((Int32(index[part.outcomes[Int(e.outcome)].outcome]!), e.steps))
            }
        }
    }

    /// Adds `count` executions of `o` to the outcome counts only (rebuilding a tally
    /// from a part's summary; the caller sets executions and steps).
    mutating func addCounted(_ o: Outcome, count: Int, schedule: Schedule) {
        if let k = index[o] {
            outcomes[k].count += count
        } else {
            index[o] = outcomes.count
            outcomes.append((o, count))
            firstSchedules.append(schedule)
        }
    }

    private mutating func countOnly(_ o: Outcome, steps: Int, schedule: Schedule) {
        if let k = index[o] {
            outcomes[k].count += 1
        } else {
            index[o] = outcomes.count
            outcomes.append((o, 1))
            firstSchedules.append(schedule)
        }
        executions += 1
        totalSteps += steps
    }
}
