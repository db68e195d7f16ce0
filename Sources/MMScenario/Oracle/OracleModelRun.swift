import MMExplore
import MMKernel

/// The model's side of an oracle comparison: the test run once, sequentially (init, T0,
/// T1, ..., finally, as `mmsim run` and the guest program do), in a given era, keeping
/// every statement's value, not only those assigned to variables.
public enum OracleModelRun {
    /// Runs `loaded` in `era` (the kernel line's knobs are kept) and returns the value of
    /// each statement by `OracleStatement.id`; a statement after a signal in its block
    /// has none, as in the guest.
    public static func values(_ loaded: ScenarioRunner.Loaded, era: Era) -> [String: Value] {
        let test = retargeted(loaded.test, era: era)
        let x = ScenarioExecution(test: test, lines: loaded.lines, verbose: false)
        let box = ValueBox()
        let plan = ExecutionPlan(
            prologue: { exec in
                let initTask = KTask(exec: exec, name: "init", cpu: 0, mm: nil)
                x.mainMM = await x.kernel.createProcess(initTask, name: "main")
                await run(x, test.initStatements, scope: "init", task: initTask, process: nil,
                          into: box)
                for th in test.threads {
                    let mm = x.resolve(th.process, scope: th.name)
                    let t = KTask(exec: exec, name: th.name, cpu: th.index, mm: mm)
                    await run(x, th.statements, scope: th.name, task: t, process: mm, into: box)
                }
                let fin = KTask(exec: exec, name: "finally", cpu: 0, mm: nil)
                await run(x, test.finallyStatements, scope: "finally", task: fin, process: nil,
                          into: box)
            },
            threads: [], epilogue: nil)
        _ = MMExplore.explore(ExploreOptions(strategy: .sequential), testHash: test.sourceHash,
                              isInteresting: { (_: Bool) in false },
                              make: { (plan, { _ in true }) })
        return box.values
    }

    /// The values collected across the run's async closure.
    private final class ValueBox { var values: [String: Value] = [:] }

    private static func run(_ x: ScenarioExecution, _ block: [Statement], scope: String,
                            task: KTask,
                            process: MMID?, into box: ValueBox) async {
        for (i, s) in block.enumerated() {
            let v = await x.execute(s, scope: scope, task: task, threadProcess: process)
            if let v { box.values["\(scope):\(i)"] = v }
            if let name = s.result, let v { x.vars.set(name, v, in: scope) }
            if case .signal = v { return }
        }
    }

    /// `test` with its kernel line's era replaced (knob overrides kept).
    static func retargeted(_ test: LitmusTest, era: Era) -> LitmusTest {
        let loc = test.kernel?.location ?? test.location
        let line = KernelLine(era: era, eraLocation: test.kernel?.eraLocation ?? loc,
                              overrides: test.kernel?.overrides ?? [], location: loc)
        return LitmusTest(name: test.name, description: test.description, kernel: line,
                          initStatements: test.initStatements, threads: test.threads,
                          finallyStatements: test.finallyStatements, condition: test.condition,
                          expectations: test.expectations, location: test.location,
                          sourceHash: test.sourceHash, addressVariables: test.addressVariables)
    }
}
