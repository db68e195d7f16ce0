import MMExplore
import MMKernel

/// One execution of a test: a fresh kernel, the variables, and the plan the explorer runs
/// (init alone, the threads concurrently, finally alone, then every process exits and
/// the references are audited).
final class ScenarioExecution {
    let test: LitmusTest
    let kernel: Kernel
    var vars = Variables()
    /// Per-statement log (`--verbose`), nil when not kept.
    var log: [String]?
    /// Source lines, to print statements as written.
    let lines: [Substring]
    /// The final condition's value, once evaluated.
    var conditionValue: Bool?
    /// The final values of the condition's variables, once evaluated ("States").
    var finalState: [String] = []
    /// Statements refused: `init` statements that returned -errno, and in threads -EINVAL
    /// (an op this era does not have), as `SCOPE line N: TEXT => -ERRNO`.
    var refusals: [String] = []
    /// Harness-held frames (`alloc_pages`), released before the audit.
    var harness: [Pfn] = []
    /// Pages each thread (scope) holds from `gup`, until `unpin`/`put`.
    var held: [String: HeldPages] = [:]
    /// MM id of the implicit process `main`.
    var mainMM: MMID?
    /// Each thread's process (by thread index), resolved at the end of init.
    var threadMMs: [MMID?] = []
    /// The first setup step that failed (`FILE:LINE:COLUMN: why`); once set, no further
    /// statement runs and the execution ends without the audit.
    var setupError: String?
    /// Requests of the model the explorer could not carry out (internal errors).
    var explorerErrors: [String] = []

    init(test: LitmusTest, lines: [Substring], verbose: Bool, config: KernelConfig? = nil) {
        self.test = test
        kernel = Kernel(config: config ?? test.kernelConfig)
        self.lines = lines
        log = verbose ? [] : nil
    }

    /// The explorer's program for this execution.
    func plan() -> ExecutionPlan {
        ExecutionPlan(
            prologue: { exec in await self.runInit(exec) },
            threads: test.threads.map { th in
                (name: th.name, body: { exec in await self.runThread(th, exec) })
            },
            epilogue: { exec in await self.runFinally(exec) },
            log: kernel.log)
    }

    /// Turns the way the execution ended into its outcome.
    func finish(_ end: ExecutionEnd) -> RunOutcome {
        if let setupError {
            return RunOutcome(violations: [], condition: nil, setupError: setupError)
        }
        if let stop = end.stopped, !stop.isBudget {
            // The explorer could not run the model's request (more agents than it holds).
            explorerErrors.append(stop.reason)
        }
        if end.deadlocked {
            kernel.report(.deadlock, "no thread can run; blocked: "
                          + end.blocked.joined(separator: ", "), on: "explorer")
            if conditionValue == nil, let clause = test.condition {
                conditionValue = evaluate(clause.condition, scope: "final")
                finalState = state(of: clause.condition)
            }
        }
        kernel.absorbAuditFindings()
        let kinds = Set(kernel.violations.map(\.kind)).sorted()
        return RunOutcome(violations: kinds, condition: conditionValue,
                          internalError: !kernel.internalErrors.isEmpty || !explorerErrors.isEmpty,
                          state: finalState)
    }

    // MARK: Phases

    private func runInit(_ exec: ExecThread) async {
        let t = KTask(exec: exec, name: "init", cpu: 0, mm: nil)
        mainMM = await kernel.createProcess(t, name: "main")
        await runBlock(test.initStatements, scope: "init", task: t, threadProcess: nil)
        // Each thread runs on its own CPU in its process from its first step: that CPU has
        // switched to the process's mm (switch_mm_irqs_off) and is in its mm_cpumask.
        // Resolved here, alone: a thread's first statement starts at its first scheduling
        // point, and a lookup by name before it would read the process table outside any
        // step (the audit reports such reads).
        threadMMs = test.threads.map { resolve($0.process, scope: $0.name) }
        for th in test.threads {
            if let mm = threadMMs[th.index] { kernel.switchMMNow(cpu: th.index, mm: mm, t) }
        }
        // A thread whose process does not exist cannot run at all (a failed `fork` is
        // reported at the fork by setupFailure; this catches any other way).
        if setupError == nil, let th = test.threads.first(where: { threadMMs[$0.index] == nil }) {
            setupError = "\(th.location): setup error: thread \(th.name) runs on "
                + "`\(th.process)`, which names no process"
            t.exec.note(setupError!)
        }
    }

    /// Whether `s`, run in init with result `value`, failed to set up what the test
    /// needs: a resource op (`pmem`, `disk`, `mkfs`, `mount`, `file`, `hugetlbfs`,
    /// `dmabuf`, `p2pmem`, `process`) that returned -errno, a `fork` that returned -errno
    /// while a thread runs `on` its child, or any other op that returned
    /// -errno into a variable that a statement uses as an address and no condition or
    /// assert examines (the test did not mean to check the failure; the statements would
    /// only use a bogus address).
    func setupFailure(_ s: Statement, _ value: Value?) -> String? {
        guard case .int(let v)? = value, v < 0 else { return nil }
        let name = "-" + Errno.name(Int(-v))
        if case .fork = s.op, let child = s.result {
            // fork returned -errno: there is no child, so a thread `on` it cannot run.
            let on = test.threads.filter { $0.process == .forked(variable: child) }.map(\.name)
            if !on.isEmpty {
                let who = on.count == 1 ? "thread \(on[0]) runs" : "threads "
                    + on.joined(separator: ", ") + " run"
                return "\(s.location): setup error: `\(text(of: s))` returned \(name) under "
                    + "\(kernel.config.description); \(who) on `\(child)`, so there is no "
                    + "process for \(on.count == 1 ? "it" : "them") to run in"
            }
        }
        switch s.op {
        case .pmem, .disk, .mkfs, .mount, .file, .hugetlbfs, .dmabuf, .p2pmem, .process:
            return "\(s.location): setup error: `\(text(of: s))` returned \(name) under "
                + "\(kernel.config.description); the test needs it"
        default:
            guard let result = s.result, test.addressVariables.contains(result),
                  !test.examines(initVariable: result) else { return nil }
            return "\(s.location): setup error: `\(text(of: s))` returned \(name) under "
                + "\(kernel.config.description); later statements use `\(result)` as an address"
        }
    }

    private func runThread(_ th: ScenarioThread, _ exec: ExecThread) async {
        if setupError != nil { return }
        let t = KTask(exec: exec, name: th.name, cpu: th.index,
                      mm: th.index < threadMMs.count ? threadMMs[th.index] : nil)
        await runBlock(th.statements, scope: th.name, task: t, threadProcess: t.mm)
    }

    private func runFinally(_ exec: ExecThread) async {
        if setupError != nil { return }
        let t = KTask(exec: exec, name: "finally", cpu: 0, mm: nil)
        await runBlock(test.finallyStatements, scope: "finally", task: t, threadProcess: nil)
        if let clause = test.condition {
            conditionValue = evaluate(clause.condition, scope: "final")
            finalState = state(of: clause.condition)
        }
        // Every process exits; the harness lets go of its frames; then the audit.
        let exitTask = KTask(exec: exec, name: "exit", cpu: 0, mm: nil)
        for mm in kernel.mms.ids { await kernel.exitMMap(exitTask, mm: mm) }
        await kernel.closeDmabufFds(exitTask)
        for pfn in harness { await kernel.releaseHarnessPage(exitTask, pfn) }
        await kernel.closeSockets(exitTask)
        kernel.auditReferences()
    }

    /// Runs statements in order; a signal ends the block (the thread dies).
    private func runBlock(_ statements: [Statement], scope: String, task: KTask,
                          threadProcess: MMID?) async {
        for s in statements {
            if setupError != nil { return }
            // Every statement starts at a scheduling point: whatever shared state it reads
            // first (observe's walk, an op's vma lookup) is a step of its own, never part
            // of the previous statement's last step or of the thread's start.
            await task.exec.step()
            if task.exec.isTracing { task.exec.note("» " + text(of: s)) }
            let value = await execute(s, scope: scope, task: task, threadProcess: threadProcess)
            if let name = s.result, let value { vars.set(name, value, in: scope) }
            if case .int(let v)? = value, v < 0, scope == "init" || v == -Int64(Errno.EINVAL) {
                refusals.append("\(scope) line \(s.location.line): \(text(of: s)) => "
                                + "\(Value.int(v))")
            }
            if log != nil {
                let shown = value.map { " => \($0)" } ?? ""
                log!.append("\(scope.padding(toLength: 8, withPad: " ", startingAt: 0))"
                            + "\(s.location.line): \(text(of: s))\(shown)")
            }
            if scope == "init", setupError == nil, let why = setupFailure(s, value) {
                setupError = why
                task.exec.note(why)
            }
            if case .signal = value { return }
        }
    }

    /// The statement as written in the file (its source line, trimmed, without comment).
    func text(of s: Statement) -> String {
        let i = s.location.line - 1
        guard i >= 0 && i < lines.count else { return s.op.name }
        var line = String(lines[i])
        if let hash = line.firstIndex(of: "#") { line = String(line[..<hash]) }
        return line.trimmingCharacters(in: .whitespaces)
    }

    // MARK: Values

    /// The MM a process reference names, or nil.
    func resolve(_ ref: ProcessRef, scope: String) -> MMID? {
        switch ref {
        case .main: return mainMM
        case .named(let name): return kernel.process(named: name)
        case .forked(let variable):
            if case .process(let mm, _)? = vars.lookup(variable, thread: nil, from: scope) {
                return mm
            }
            return nil
        }
    }

    /// An address expression's value.
    func value(of e: AddrExpr, scope: String) -> Int64? {
        guard let base = e.base else { return e.offset }
        switch vars.lookup(base.name, thread: base.thread, from: scope) {
        case .int(let v)?: return v &+ e.offset
        default: return nil
        }
    }
}

private extension String {
    func trimmingCharacters(in set: CharacterSetLite) -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }

    func padding(toLength n: Int, withPad pad: String, startingAt _: Int) -> String {
        count >= n ? self : self + String(repeating: pad, count: n - count)
    }
}

/// Only whitespace trimming is needed; avoids pulling Foundation into the hot module.
enum CharacterSetLite { case whitespaces }
