// A measure of the engine's own speed, independent of any model.

/// Explores a synthetic program of `threads` threads of `steps` steps each (every step
/// writes one shared object, so nothing is reduced) with naive enumeration for about
/// `seconds`, and returns complete executions and steps (thread switches or fast-path
/// continuations) per second. Each execution creates its threads' tasks anew.
public func selfBenchmark(threads: Int = 2, steps: Int = 20, seconds: Double = 1)
    -> (executionsPerSecond: Double, stepsPerSecond: Double)
{
    let shared = ObjectID(1)
    let report = explore(
        ExploreOptions(strategy: .naive, timeout: seconds),
        testHash: 0, isInteresting: { (_: Int) in false },
        make: {
            final class Counter { var value = 0 }
            let counter = Counter()
            let body: (ExecThread) async -> Void = { t in
                for _ in 0..<steps {
                    await t.step(shared, .write)
                    counter.value &+= 1
                }
            }
            let plan = ExecutionPlan(threads: (0..<threads).map { (name: "T\($0)", body: body) })
            return (plan, { _ in counter.value })
        })
    let elapsed = max(report.elapsed, 1e-9)
    return (Double(report.executions) / elapsed, Double(report.totalSteps) / elapsed)
}
