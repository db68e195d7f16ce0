import MMKernel

/// One statement of a test as the oracle runs it: where it is, which block it belongs to
/// and who executes it in the guest.
public struct OracleStatement: Hashable, Sendable {
    /// `init`, `T0`, `T1`, ..., `finally`.
    public let scope: String
    /// Its position in its block, from 0.
    public let index: Int
    /// The statement.
    public let statement: Statement
    /// Who runs it in the guest.
    public let role: Role

    /// Who runs a statement in the guest.
    public enum Role: Hashable, Sendable {
        /// The guest's setup script, before the program (pmem, disk, mkfs, mount, file).
        case setup
        /// The conductor starts the server of this process slot (`process NAME`).
        case spawn(slot: Int)
        /// The server of this process slot runs it.
        case run(slot: Int)
        /// Nothing in the guest: `assert` is a condition of the model's run only.
        case modelOnly
    }

    /// `T0:3`: how records and reports name the statement.
    public var id: String { "\(scope):\(index)" }
}

/// The statements of a test in the order `mmsim run` runs them (init, T0, T1, ...,
/// finally), with process slots and variable slots resolved for the guest program.
/// Building one checks that every statement can be expressed from user space.
public struct OraclePlan: Sendable {
    /// The test.
    public let test: LitmusTest
    /// Every statement, in run order.
    public private(set) var statements: [OracleStatement] = []
    /// Process slots: 0 is `main`; then `process NAME` and `fork` results in order.
    public private(set) var slotCount = 1
    /// `scope/variable` → its slot in the guest's shared variable array.
    private(set) var variableSlots: [String: Int] = [:]
    private var processSlots: [String: Int] = ["main": 0]
    private var forkSlots: [String: Int] = [:]

    /// Plans `test`; throws the first statement the guest cannot run, at its location.
    public init(_ test: LitmusTest) throws(Diagnostic) {
        self.test = test
        if let k = test.kernel {
            for o in k.overrides where !OraclePlan.guestKnobs.contains(o.knob) {
                throw Diagnostic("the oracle cannot set knob \(o.knob.name) in a real kernel "
                                 + "(only thp_always and thp_huge_zero_page are sysfs settings)",
                                 at: o.location)
            }
        }
        try add(test.initStatements, scope: "init", process: nil)
        for th in test.threads { try add(th.statements, scope: th.name, process: th.process) }
        try add(test.finallyStatements, scope: "finally", process: nil)
    }

    /// A test with two threads or more is a concurrent run (oracle/race.h): its threads run
    /// at once, each on its own vCPU, many times; one thread runs in order (runtime.h).
    public var concurrent: Bool { test.threads.count >= 2 }

    /// How many variable slots the program needs.
    var variableCount: Int { variableSlots.count }

    /// Knobs the guest sets through sysfs (/sys/kernel/mm/transparent_hugepage).
    static let guestKnobs: Set<Knob> = [.thpAlways, .thpHugeZeroPage]

    private mutating func add(_ block: [Statement], scope: String,
                              process: ProcessRef?) throws(Diagnostic) {
        for (i, s) in block.enumerated() {
            let role = try roleOf(s, scope: scope, process: process)
            statements.append(OracleStatement(scope: scope, index: i, statement: s, role: role))
            if let name = s.result { variableSlots["\(scope)/\(name)"] = variableSlots.count }
        }
    }

    private mutating func roleOf(_ s: Statement, scope: String,
                                 process: ProcessRef?) throws(Diagnostic) -> OracleStatement.Role {
        switch s.op {
        case .pmem, .disk, .mkfs, .mount, .file, .hugetlbfs:
            guard scope == "init" else {
                throw Diagnostic("the oracle sets up devices, filesystems and files before the "
                                 + "program runs: \(s.op.name) must be in init", at: s.location)
            }
            return .setup
        case .process(let name):
            processSlots[name] = slotCount
            slotCount += 1
            return .spawn(slot: slotCount - 1)
        case .assert:
            return .modelOnly
        case .gup where !concurrent, .unpin where !concurrent, .put where !concurrent:
            throw Diagnostic("the oracle cannot run \(s.op.name) from user space: "
                             + "get_user_pages is reached through dio_read, dio_write or "
                             + "process_vm_readv", at: s.location)
        case .memWrite:
            throw Diagnostic("the oracle does not run memwrite (a write to /proc/PID/mem is not "
                             + "in its C harness)", at: s.location)
        case .allocPages, .khugepaged, .migrate:
            throw Diagnostic("the oracle cannot run \(s.op.name): it is a harness of the model, "
                             + "not a system call", at: s.location)
        case .unbind where !concurrent:
            throw Diagnostic("the oracle runs unbind only in a concurrent test (two threads or "
                             + "more): a device removed cannot be set up again", at: s.location)
        case .dmabuf, .p2pmem, .bind, .free, .evict:
            throw Diagnostic("the oracle cannot run \(s.op.name) yet: the guest has no such "
                             + "device or mount set up", at: s.location)
        case .mmap(let m):
            switch m.target {
            case .dmabuf, .p2pmem:
                throw Diagnostic("the oracle cannot map \(m.target) yet: the guest has no such "
                                 + "device", at: s.location)
            default: break
            }
        default:
            break
        }
        let slot = try slotOf(s.process ?? process ?? .main, scope: scope, at: s.location)
        if case .fork = s.op, let name = s.result {
            forkSlots["\(scope)/\(name)"] = slotCount
            slotCount += 1
        }
        return .run(slot: slot)
    }

    private func slotOf(_ p: ProcessRef, scope: String,
                        at loc: SourceLocation) throws(Diagnostic) -> Int {
        switch p {
        case .main: return 0
        case .named(let n):
            if let s = processSlots[n] { return s }
        case .forked(let v):
            if let s = forkSlots["\(scope)/\(v)"] ?? forkSlots["init/\(v)"] { return s }
        }
        throw Diagnostic("the oracle cannot tell which process \(p) is here", at: loc)
    }

    /// The slot a `fork` statement's child serves.
    func forkChildSlot(_ s: OracleStatement) -> Int? {
        s.statement.result.flatMap { forkSlots["\(s.scope)/\($0)"] }
    }

    /// The slot of the process `p` names from `scope`.
    func processSlot(_ p: ProcessRef, scope: String) -> Int? {
        try? slotOf(p, scope: scope, at: test.location)
    }

    /// The variable slot a reference from `scope` reads: a thread-qualified name is that
    /// thread's; a bare one is the block's own, else init's (the model's lookup order).
    func variableSlot(_ ref: VariableRef, scope: String) -> Int? {
        if let t = ref.thread { return variableSlots["\(t)/\(ref.name)"] }
        return variableSlots["\(scope)/\(ref.name)"] ?? variableSlots["init/\(ref.name)"]
    }
}
