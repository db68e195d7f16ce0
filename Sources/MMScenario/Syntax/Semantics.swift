/// The name checks of a test, run statement by statement as the parser reads them: every
/// name must be defined above its use, in a scope that can see it. Each check throws the
/// one diagnostic the user gets.
struct Semantics {
    /// The part of the test being read.
    enum Block {
        case initBlock
        case thread(name: String, process: ProcessRef)
        case finallyBlock
        /// The final `exists`/`forall` condition.
        case final
    }

    var block = Block.initBlock
    var scope = Scope()
    /// `init`'s scope: where every thread starts.
    var initScope = Scope()
    /// Resources of `init` and of every thread: where `finally` starts.
    var afterThreads = Scope()
    /// Every thread's variables, for `T0:r` in `finally` and the final condition.
    var threadVariables: [String: [String: Scope.Variable]] = [:]
    /// pmem regions are numbered in statement order across the whole file.
    var regionCount = 0

    // MARK: Blocks

    mutating func begin(_ newBlock: Block) {
        block = newBlock
        switch newBlock {
        case .initBlock: scope = Scope()
        case .thread: scope = initScope
        case .finallyBlock, .final:
            scope = afterThreads
            scope.variables = initScope.variables
        }
        scope.pinningGups = 0
        scope.referencingGups = 0
    }

    mutating func endInit() {
        initScope = scope
        afterThreads = scope
    }

    mutating func endThread(_ name: String) {
        threadVariables[name] = scope.variables
        afterThreads.mergeResources(of: scope)
    }

    /// The final condition sees `finally`'s variables if there was a `finally`.
    mutating func beginFinalCondition() {
        if case .finallyBlock = block {
            block = .final
        } else {
            begin(.final)
        }
    }

    var blockName: String {
        switch block {
        case .initBlock: return "init"
        case .thread(let name, _): return name
        case .finallyBlock: return "finally"
        case .final: return "the final condition"
        }
    }

    // MARK: Processes

    /// The process a statement runs in: the `PROC:` prefix in `init`/`finally`.
    func context(for raw: RawStatement, schema: OpSchema) throws(Diagnostic) -> ProcessRef? {
        if case .thread(let name, let process) = block {
            if let prefix = raw.prefix {
                throw Diagnostic("no process prefix inside a thread: \(name) runs in `\(process)` "
                                     + "(to run it in \(prefix.text), write `\(name) on "
                                     + "\(prefix.text) {`)",
                                 at: prefix.location)
            }
            return nil
        }
        if let prefix = raw.prefix {
            if schema.context == .none {
                throw Diagnostic("`\(schema.name)` takes no process prefix", at: prefix.location)
            }
            return try process(prefix.text, at: prefix.location)
        }
        if schema.context == .required {
            throw Diagnostic("`\(schema.name)` needs a process in \(blockName): write `PROC: "
                             + "\(schema.name) ...` (processes: \(scope.processList))",
                             at: raw.op.location)
        }
        return nil
    }

    /// Resolves a process name: `main`, a `process`, or a variable holding a `fork` result.
    func process(_ name: String, at location: SourceLocation) throws(Diagnostic) -> ProcessRef {
        try Semantics.process(name, at: location, in: scope)
    }

    /// The `on` process of a thread, from `init`'s names.
    func threadProcess(_ name: String,
                       at location: SourceLocation) throws(Diagnostic) -> ProcessRef {
        try Semantics.process(name, at: location, in: initScope)
    }

    private static func process(_ name: String, at location: SourceLocation,
                                in scope: Scope) throws(Diagnostic) -> ProcessRef {
        if name == "main" { return .main }
        if scope.processes[name] != nil { return .named(name) }
        if let variable = scope.variables[name] {
            guard variable.op == "fork" else {
                throw Diagnostic("`\(name)` is not a process: it holds the result of "
                                 + "`\(variable.op)`", at: location)
            }
            return .forked(variable: name)
        }
        throw Diagnostic("undefined process `\(name)` (processes: \(scope.processList); "
                         + "create one with `process NAME` or `CHILD = fork` in init)",
                         at: location)
    }

    mutating func defineProcess(_ name: String, at location: SourceLocation) throws(Diagnostic) {
        if name == "main" {
            throw Diagnostic("`main` is the implicit process of threads without `on`; choose "
                             + "another name",
                             at: location)
        }
        if let earlier = scope.processes[name] {
            throw Diagnostic("process `\(name)` is already defined at "
                             + "\(earlier.line):\(earlier.column)", at: location)
        }
        if scope.variables[name] != nil {
            throw Diagnostic("`\(name)` is already a variable; choose another process name",
                             at: location)
        }
        scope.processes[name] = location
    }

    // MARK: Variables

    static let reservedNames: Set<String> = Set(MappingLevel.allCases.map(\.rawValue))
        .union(["SIGBUS", "SIGSEGV", "SIGKILL"]).union(["main", "has", "anon"])

    /// Records `VAR = op`.
    mutating func assign(_ result: RawArgument, from op: Operation) throws(Diagnostic) {
        let name = result.text
        guard ValueParsing.isIdentifier(name) else {
            throw Diagnostic("`\(name)` is not a variable name (letters, digits and _)",
                             at: result.location)
        }
        if Semantics.reservedNames.contains(name) || ValueParsing.isThreadName(name)
            || ErrnoName(name: name) != nil {
            throw Diagnostic("`\(name)` is a reserved word; choose another variable name",
                             at: result.location)
        }
        if scope.processes[name] != nil {
            throw Diagnostic("`\(name)` is already a process name; choose another variable name",
                             at: result.location)
        }
        if let earlier = scope.variables[name] {
            let inInit: Bool
            if case .initBlock = block { inInit = false } else {
                inInit = initScope.variables[name]?.location == earlier.location
            }
            let place = "\(earlier.location.line):\(earlier.location.column)"
                + (inInit ? " in init" : "")
            throw Diagnostic("variable `\(name)` is already assigned at \(place)",
                             at: result.location)
        }
        scope.variables[name] = Scope.Variable(op: op.name, location: result.location)
    }

    /// Bare variable names used as addresses anywhere (`LitmusTest.addressVariables`).
    var addressUses: Set<String> = []

    /// The variable of an address must be assigned above, in a scope this block sees.
    mutating func checkDefined(_ expression: AddrExpr) throws(Diagnostic) {
        if let base = expression.base {
            _ = try variable(base, at: expression.location)
            if base.thread == nil { addressUses.insert(base.name) }
        }
    }

    func checkVariable(_ ref: VariableRef, at location: SourceLocation,
                       scope _: ConditionScope) throws(Diagnostic) {
        _ = try variable(ref, at: location)
    }

    /// `T0:m.Rss` needs `m` to hold an `observe` result.
    func checkObservation(_ ref: VariableRef, at location: SourceLocation,
                          scope _: ConditionScope) throws(Diagnostic) {
        let found = try variable(ref, at: location)
        guard found.op == "observe" else {
            throw Diagnostic("`\(ref)` holds the result of `\(found.op)`, not of `observe`: it "
                             + "has no fields",
                             at: location)
        }
    }

    private func variable(_ ref: VariableRef,
                          at location: SourceLocation) throws(Diagnostic) -> Scope.Variable {
        guard let thread = ref.thread else {
            if let found = scope.variables[ref.name] { return found }
            let hint: String
            switch block {
            case .initBlock: hint = "not assigned earlier in init"
            case .thread(let name, _): hint = "not assigned earlier in \(name), nor in init"
            case .finallyBlock:
                hint = "not assigned earlier in finally, nor in init; a thread's is written "
                    + "T0:\(ref.name)"
            case .final:
                hint = "bare names are init's and finally's; a thread's is written T0:\(ref.name)"
            }
            throw Diagnostic("undefined variable `\(ref.name)` (\(hint))", at: location)
        }
        switch block {
        case .initBlock:
            throw Diagnostic("`\(ref)`: init runs before the threads; its variables are bare names",
                             at: location)
        case .thread(let name, _):
            guard thread == name else {
                throw Diagnostic("\(name) cannot read \(thread)'s variables; only finally and the "
                                 + "final condition can",
                                 at: location)
            }
            guard let found = scope.variables[ref.name] else {
                throw Diagnostic("undefined variable `\(ref)` (not assigned earlier in \(name), "
                                 + "nor in init)",
                                 at: location)
            }
            return found
        case .finallyBlock, .final:
            guard let variables = threadVariables[thread] else {
                let threads = threadVariables.keys.sorted().joined(separator: ", ")
                throw Diagnostic("no thread \(thread) (threads: "
                                 + "\(threads.isEmpty ? "none" : threads))", at: location)
            }
            guard let found = variables[ref.name] else {
                throw Diagnostic("undefined variable `\(ref)`: \(thread) never assigns "
                                 + "`\(ref.name)`", at: location)
            }
            return found
        }
    }

    // MARK: Pins and references

    mutating func hold(pinned: Bool) {
        if pinned { scope.pinningGups += 1 } else { scope.referencingGups += 1 }
    }

    /// `unpin` releases FOLL_PIN references, `put` FOLL_GET ones: mixing them up unbalances
    /// the page refcount (a pin is GUP_PIN_COUNTING_BIAS references, or a folio pincount).
    func release(pinned: Bool, at location: SourceLocation) throws(Diagnostic) {
        if pinned, scope.pinningGups == 0, scope.referencingGups > 0 {
            throw Diagnostic("`unpin` after gup without `pin`: those are FOLL_GET references; "
                             + "release them with `put`",
                             at: location)
        }
        if !pinned, scope.referencingGups == 0, scope.pinningGups > 0 {
            throw Diagnostic("`put` after `gup ... pin`: those are FOLL_PIN pins; release them "
                             + "with `unpin`",
                             at: location)
        }
    }
}
