/// What exploring a ``Scenario`` established, typed: the verdict, the violations and the
/// condition's observation, the final states, and the race sketches with their replay
/// tokens. ``report`` holds every fact the text and JSON reports print.
public struct Verdict: Sendable {
    /// Everything the run established (what `mmsim check --json` prints).
    public let report: TestReport

    /// Passed, failed, inconclusive (a budget stopped it) or setup error.
    public var status: TestVerdict { report.verdict }
    /// Every `expect` line holds and no violation went unexpected.
    public var passed: Bool { report.passed }
    /// The violation kinds seen ("use-after-free", "stale-tlb" ...).
    public var violations: Set<String> { Set(report.violations.map(\.kind)) }
    /// How often the final condition held: Never, Sometimes or Always (nil without one).
    public var observation: ObservationOutcome? {
        report.observation.flatMap { ObservationOutcome(rawValue: $0.outcome) }
    }
    /// herd's States: each final state of the condition's variables and its count.
    public var states: [StateCount] { report.states }
    /// Executions explored.
    public var executions: Int { report.executions }
    /// False when a budget stopped the exploration early.
    public var complete: Bool { report.complete }
    /// Each `expect` line as written, with whether it holds.
    public var expectations: [(line: String, holds: Bool)] {
        report.expectations.map { ($0.line, $0.holds) }
    }
    /// The first violation's race sketch (its happens-before cone).
    public var violationSketch: RaceSketch? { report.replayToken == nil ? nil : report.sketch }
    /// The token that replays the first violation (``Scenario/replay(token:)``).
    public var violationToken: String? { report.replayToken }
    /// Executions answering the condition (a witness, a counterexample), each with its
    /// token and sketch.
    public var witnesses: [Witness] { report.witnesses }
}
