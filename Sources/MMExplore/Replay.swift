// Re-running one execution exactly, with trace notes on.

/// The result of replaying a schedule.
public struct ReplayResult<Outcome> {
    /// The execution's outcome.
    public var outcome: Outcome
    /// How it ended.
    public var end: ExecutionEnd
    /// One entry per step (and per thread that noted something before its first step).
    public var trace: [TraceStep]
    /// False when the schedule did not fit the program (a choice named a thread that
    /// was not enabled, or choices were missing or left over): the token belongs to
    /// another test or model version, and the default choice filled the gaps.
    public var followed: Bool
}

/// Re-runs exactly the execution `schedule` names, with tracing on
/// (`ExecThread.isTracing` is true and `ExecThread.note` texts are collected per step).
public func replay<Outcome>(
    _ schedule: Schedule, limits: ExecutionLimits = ExecutionLimits(),
    make: () -> (plan: ExecutionPlan, finish: (ExecutionEnd) -> Outcome)
) -> (outcome: Outcome, end: ExecutionEnd, trace: [TraceStep]) {
    let r = replayDetailed(schedule, limits: limits, make: make)
    return (r.outcome, r.end, r.trace)
}

/// `replay`, also telling whether the schedule fitted the program. `limits` stop a runaway
/// replay (`end.stopped` says why).
public func replayDetailed<Outcome>(
    _ schedule: Schedule, limits: ExecutionLimits = ExecutionLimits(),
    make: () -> (plan: ExecutionPlan, finish: (ExecutionEnd) -> Outcome)
) -> ReplayResult<Outcome> {
    let chooser = ReplayChooser(schedule)
    let (plan, finish) = make()
    let x = Execution(chooser: chooser, tracing: true, limits: limits, log: plan.log)
    let end = x.run(plan)
    return ReplayResult(outcome: finish(end), end: end, trace: x.trace, followed: chooser.followed)
}
