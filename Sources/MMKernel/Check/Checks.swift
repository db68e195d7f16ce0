#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import MMExplore

/// What the checkers saw in one execution — violations of the modelled kernel, failures
/// of the model's own invariants, lock order, the audit's baseline — and the counters
/// `--stats` prints, reached through `Kernel.checks`.
public struct Checks {
    /// Violations seen so far, in order (appended by `Kernel.report`).
    public internal(set) var violations: [Violation] = []
    /// Failures of the model's own invariants, reported apart from violations.
    public internal(set) var internalErrors: [String] = []
    /// Counters a reviewer may ask for (`--stats`).
    public internal(set) var stats = KernelStats()
    /// Lock-class order seen in this execution (Sync/LockOrder.swift).
    var lockdep = LockDep()
    /// The audit's view of the state after the previous step (Check/StateAudit.swift).
    var auditBaseline: [ObjectID: Int] = [:]
    /// Also compare the instrumented stores (memmap, tables, mms, TLBs) after every step:
    /// `MMSIM_AUDIT=full`. Slow; the instrumented stores record by construction.
    let fullAudit = getenv("MMSIM_AUDIT").map { String(cString: $0) == "full" } ?? false
}
