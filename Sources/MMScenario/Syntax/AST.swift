import MMKernel

/// A parsed and checked `.litmus` test: everything `mmsim` needs to run it, nothing run yet.
/// The shape follows the file (../shared/design/scenario-format.md): header, kernel line,
/// `init`, threads, `finally`, final condition, `expect` lines.
public struct LitmusTest: Hashable, Sendable {
    /// The name after `MM`.
    public let name: String
    /// The `"description"` under the header, if any.
    public let description: String?
    /// The `kernel` line, nil when absent (the newest era, default knobs).
    public let kernel: KernelLine?
    /// The statements of `init`, run once, alone, before the threads.
    public let initStatements: [Statement]
    /// The threads in order: `threads[i].name == "T\(i)"`.
    public let threads: [ScenarioThread]
    /// The statements of `finally`, run alone after every thread ended.
    public let finallyStatements: [Statement]
    /// The `exists`/`forall`/`~exists` clause, if any.
    public let condition: ConditionClause?
    /// The `expect` lines in order.
    public let expectations: [ExpectationLine]
    /// Where the `MM` header is.
    public let location: SourceLocation
    /// FNV-1a (32 bit) of the source text's UTF-8 bytes: replay tokens carry it so a token
    /// is refused for an edited test.
    public let sourceHash: UInt32
    /// The `explore preemptions=N` line: the test is explored with at most N preemptions
    /// unless the command line says otherwise (a test too large to explore whole in the
    /// time a check may take; its results say "complete up to N preemptions").
    public var preemptionBound: Int? = nil
    /// Variables of `init` that some statement uses as an address (`load buf`): a failed
    /// init op whose result one of them holds leaves the test without what it needs.
    public var addressVariables: Set<String> = []

    /// The era and knobs the `kernel` line selects (the newest era when there is none).
    public var kernelConfig: KernelConfig {
        KernelConfig(
            era: kernel?.era ?? Era.newest,
            overrides: (kernel?.overrides ?? []).map { (knob: $0.knob, on: $0.on) })
    }

    /// FNV-1a, 32 bit, over the UTF-8 bytes of `source`. Stable across runs and platforms.
    public static func fnv1a(_ source: String) -> UInt32 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in source.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }
}

/// `kernel ERA [+knob|-knob]...`.
public struct KernelLine: Hashable, Sendable {
    /// The era.
    public let era: Era
    /// Where the era name is.
    public let eraLocation: SourceLocation
    /// The knob overrides in the order written.
    public let overrides: [KnobOverride]
    /// Where `kernel` is.
    public let location: SourceLocation
}

/// One `+knob` or `-knob` of a `kernel` line.
public struct KnobOverride: Hashable, Sendable {
    /// The knob.
    public let knob: Knob
    /// True for `+knob`.
    public let on: Bool
    /// Where the `+`/`-` is.
    public let location: SourceLocation
}

/// A thread block `Tn [on PROC] { ... }`: runs concurrently with the others on cpu n.
public struct ScenarioThread: Hashable, Sendable {
    /// `T0`, `T1`, ...
    public let name: String
    /// n in `Tn`: also the CPU it runs on.
    public let index: Int
    /// The process its statements run in: the `on` process, or `.main` without `on`.
    public let process: ProcessRef
    /// The statements in order.
    public let statements: [Statement]
    /// Where the thread name is.
    public let location: SourceLocation
}

/// `[PROC:] [VAR =] OP args...`.
public struct Statement: Hashable, Sendable {
    /// Where the statement starts.
    public let location: SourceLocation
    /// `VAR` in `VAR = op ...`: the op's result goes there.
    public let result: String?
    /// The `PROC:` prefix (only in `init`/`finally`). In a thread this is nil and the
    /// context is the thread's `process`.
    public let process: ProcessRef?
    /// What to do.
    public let op: Operation
}

/// Which process a statement runs in or an op names.
public enum ProcessRef: Hashable, Sendable, CustomStringConvertible {
    /// The implicit process shared by every thread without `on` (also nameable as `main`).
    case main
    /// A process created by `process NAME`.
    case named(String)
    /// The child held by a variable assigned from `fork` (a bare name: `init`'s variable
    /// or, in a thread, the thread's own).
    case forked(variable: String)

    /// The name as written.
    public var description: String {
        switch self {
        case .main: return "main"
        case .named(let name): return name
        case .forked(let variable): return variable
        }
    }
}

/// The final clause.
public struct ConditionClause: Hashable, Sendable {
    /// `exists`, `forall` or `~exists`.
    public let quantifier: Quantifier
    /// The condition, evaluated on the final state of each execution.
    public let condition: Condition
    /// Where the quantifier is.
    public let location: SourceLocation
}

/// How a condition is quantified over executions.
public enum Quantifier: String, Hashable, Sendable {
    /// Some execution satisfies it.
    case exists
    /// Every execution satisfies it.
    case forall
    /// No execution satisfies it (`~exists`).
    case notExists = "~exists"
}

/// What an `expect` line asserts about the exploration.
public enum Expectation: Hashable, Sendable {
    /// `expect pass`: no execution has any violation.
    case pass
    /// `expect violation KIND`: at least one execution has a violation of KIND.
    case violation(ViolationKind)
    /// `expect Never|Sometimes|Always`: how the condition was observed over all executions.
    case observation(ObservationOutcome)
}

/// How often the final condition held.
public enum ObservationOutcome: String, Hashable, Sendable, CaseIterable {
    /// In no execution.
    case never = "Never"
    /// In some but not all executions.
    case sometimes = "Sometimes"
    /// In every execution.
    case always = "Always"
}

/// An `expect` line.
public struct ExpectationLine: Hashable, Sendable {
    /// What it expects.
    public let expectation: Expectation
    /// Where `expect` is.
    public let location: SourceLocation
}
