import MMKernel
import MMExplore

/// The public entry point: text in, a checked `LitmusTest` or exactly one `Diagnostic` out.
public enum LitmusParser {
    /// Parses and checks `source`; `file` names it in locations. Nothing is executed.
    public static func parse(source: String, file: String) throws(Diagnostic) -> LitmusTest {
        var lexer = Lexer(source: source, file: file)
        let tokens = try lexer.tokenize()
        var parser = Parser(tokens: tokens)
        return try parser.parseTest(sourceHash: LitmusTest.fnv1a(source))
    }
}

/// Recursive descent over the token list. Semantic checks run as each statement is read
/// (everything a statement may refer to is defined above it), so the first error in source
/// order is the one reported.
struct Parser {
    var tokens: [Token]
    var position = 0
    /// Open parentheses in the condition being read: newlines are free inside them.
    var parenDepth = 0
    /// Comparisons read so far in the current condition (`maxConditionTerms`).
    var conditionTerms = 0
    /// Names, files, devices and variables defined so far.
    var semantics = Semantics()

    init(tokens: [Token]) { self.tokens = tokens }

    // MARK: Cursor

    var current: Token { tokens[min(position, tokens.count - 1)] }

    var next: Token { tokens[min(position + 1, tokens.count - 1)] }

    mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    mutating func skipNewlines() {
        while current.kind == .newline || current.isSymbol(.semicolon) { advance() }
    }

    /// True at a newline or the end of input.
    var atLineEnd: Bool { current.kind == .newline || current.kind == .end }

    /// Requires the line to end here.
    mutating func expectLineEnd(after what: String) throws(Diagnostic) {
        guard atLineEnd else {
            throw Diagnostic("unexpected \(current) after \(what)", at: current.location)
        }
    }

    // MARK: Test

    mutating func parseTest(sourceHash: UInt32) throws(Diagnostic) -> LitmusTest {
        skipNewlines()
        guard current.isWord("MM") else {
            throw Diagnostic("a test starts with `MM <name>`, not \(current)", at: current.location)
        }
        let location = current.location
        advance()
        guard let name = current.word else {
            throw Diagnostic("`MM` needs a test name", at: current.location)
        }
        advance()
        try expectLineEnd(after: "the test name")
        skipNewlines()
        var description: String?
        if case .string(let text) = current.kind {
            description = text
            advance()
            try expectLineEnd(after: "the description")
            skipNewlines()
        }
        let kernel = current.isWord("kernel") ? try parseKernelLine() : nil
        skipNewlines()
        let bound = current.isWord("explore") ? try parseExploreLine() : nil

        var initStatements: [Statement]?
        var threads: [ScenarioThread] = []
        var finallyStatements: [Statement]?
        var condition: ConditionClause?
        var expectations: [ExpectationLine] = []
        while true {
            skipNewlines()
            let token = current
            let later = "must come after `init` and the threads, before the final condition"
            switch token.kind {
            case .end:
                try semantics.checkExpectations(expectations, condition: condition)
                try Parser.checkAgentCount(threads)
                return LitmusTest(
                    name: name, description: description, kernel: kernel,
                    initStatements: initStatements ?? [], threads: threads,
                    finallyStatements: finallyStatements ?? [], condition: condition,
                    expectations: expectations, location: location, sourceHash: sourceHash,
                    preemptionBound: bound, addressVariables: semantics.addressUses)
            case .word("kernel"):
                throw Diagnostic("the `kernel` line must come right after the header and "
                                 + "description",
                                 at: token.location)
            case .word("init"):
                if initStatements != nil {
                    throw Diagnostic("a second `init` block", at: token.location)
                }
                if !threads.isEmpty || finallyStatements != nil || condition != nil
                    || !expectations.isEmpty {
                    throw Diagnostic("`init` must come before the threads", at: token.location)
                }
                advance()
                semantics.begin(.initBlock)
                initStatements = try parseBlock(opener: token)
                semantics.endInit()
            case .word(let word) where word.hasPrefix("T")
                && word.dropFirst().allSatisfy(\.isNumber):
                if finallyStatements != nil || condition != nil || !expectations.isEmpty {
                    throw Diagnostic("thread \(word) must come before `finally` and the "
                                     + "final condition",
                                     at: token.location)
                }
                threads.append(try parseThread(existing: threads))
            case .word("finally"):
                if finallyStatements != nil {
                    throw Diagnostic("a second `finally` block", at: token.location)
                }
                if condition != nil || !expectations.isEmpty {
                    throw Diagnostic("`finally` \(later)", at: token.location)
                }
                advance()
                semantics.begin(.finallyBlock)
                finallyStatements = try parseBlock(opener: token)
            case .word("exists"), .word("forall"), .symbol(.not):
                if condition != nil {
                    throw Diagnostic("a test has one final condition; join them with /\\ or \\/",
                                     at: token.location)
                }
                if !expectations.isEmpty {
                    throw Diagnostic("the final condition must come before the `expect` lines",
                                     at: token.location)
                }
                semantics.beginFinalCondition()
                condition = try parseConditionClause()
            case .word("expect"):
                expectations.append(try parseExpectation())
            default:
                throw Diagnostic(
                    "expected `init {`, a thread `T0 {`, `finally {`, `exists (...)`, "
                        + "`forall (...)`, `~exists (...)` or `expect ...`, not \(token)",
                        at: token.location)
            }
        }
    }

    // MARK: Explore line

    /// `explore preemptions=N` (N from 0 to 8), right after the kernel line.
    mutating func parseExploreLine() throws(Diagnostic) -> Int {
        advance()
        guard current.isWord("preemptions") else {
            throw Diagnostic("`explore` takes `preemptions=N`", at: current.location)
        }
        advance()
        guard case .symbol(.assign) = current.kind else {
            throw Diagnostic("`explore` takes `preemptions=N`", at: current.location)
        }
        advance()
        guard let word = current.word, let n = Int(word), (0...8).contains(n) else {
            throw Diagnostic("`preemptions` must be a number from 0 to 8", at: current.location)
        }
        advance()
        try expectLineEnd(after: "the explore line")
        return n
    }

    // MARK: Kernel line

    mutating func parseKernelLine() throws(Diagnostic) -> KernelLine {
        let location = current.location
        advance()
        guard let eraName = current.word else {
            throw Diagnostic("`kernel` needs an era (\(Parser.eraList))", at: current.location)
        }
        guard let era = Era(name: eraName) else {
            throw Diagnostic("unknown era `\(eraName)` (eras: \(Parser.eraList))",
                             at: current.location)
        }
        let eraLocation = current.location
        advance()
        var overrides: [KnobOverride] = []
        while !atLineEnd {
            guard let word = current.word else {
                throw Diagnostic("unexpected \(current) on the kernel line", at: current.location)
            }
            let sign = word.first
            guard sign == "+" || sign == "-" else {
                throw Diagnostic("knob `\(word)` needs + (on) or - (off): `+\(word)` or `-\(word)`",
                                 at: current.location)
            }
            let name = String(word.dropFirst())
            guard let knob = Knob(name: name) else {
                throw Diagnostic("unknown knob `\(name)` (knobs: "
                                 + "\(Knob.allCases.map(\.name).joined(separator: ", ")))",
                                 at: current.location)
            }
            if let earlier = overrides.first(where: { $0.knob == knob }) {
                throw Diagnostic("knob `\(name)` is already set at "
                                 + "\(earlier.location.line):\(earlier.location.column)",
                                 at: current.location)
            }
            overrides.append(KnobOverride(knob: knob, on: sign == "+", location: current.location))
            advance()
        }
        return KernelLine(era: era, eraLocation: eraLocation, overrides: overrides,
                          location: location)
    }

    /// Threads a test may declare. An execution runs at most `maxExecutionThreads` (64)
    /// threads, agents the model spawns included (a DMA engine per direct I/O, an RCU
    /// callback per deferred table free): half are kept for agents.
    static let maxThreads = 32

    /// Every direct I/O statement of a thread starts one DMA agent (submit_bio's
    /// completion runs apart from the caller) that holds an execution slot until the
    /// execution ends: a test whose threads and agents could pass `maxExecutionThreads`
    /// is refused at the statement that would start the first agent too many, before
    /// anything runs. (RCU agents of deferred table frees are counted when they start.)
    static func checkAgentCount(_ threads: [ScenarioThread]) throws(Diagnostic) {
        var slots = threads.count
        for thread in threads {
            for statement in thread.statements {
                switch statement.op {
                case .dioRead, .dioWrite: slots += 1
                default: continue
                }
                guard slots <= maxExecutionThreads else {
                    throw Diagnostic(
                        "too many DMA agents: \(threads.count) threads + "
                            + "\(slots - threads.count) dio statements > \(maxExecutionThreads), "
                            + "the threads and agents an execution runs",
                        at: statement.location)
                }
            }
        }
    }

    static let eraList = Era.allCases.map(\.name).joined(separator: ", ")

    // MARK: Blocks

    mutating func parseThread(existing: [ScenarioThread]) throws(Diagnostic) -> ScenarioThread {
        let header = current
        let name = header.word ?? ""
        guard let index = ValueParsing.threadIndex(name) else {
            throw Diagnostic("bad thread name `\(name)`: threads are T0, T1, T2, ...",
                             at: header.location)
        }
        if let first = existing.first(where: { $0.name == name }) {
            throw Diagnostic("duplicate thread \(name) (first defined at "
                             + "\(first.location.line):\(first.location.column))",
                             at: header.location)
        }
        guard index < Parser.maxThreads else {
            throw Diagnostic("at most \(Parser.maxThreads) threads (T0-T\(Parser.maxThreads - 1)); "
                                 + "the other \(maxExecutionThreads - Parser.maxThreads) of "
                                 + "\(maxExecutionThreads) are for agents", at: header.location)
        }
        guard index == existing.count else {
            throw Diagnostic("thread \(name) is out of order: expected T\(existing.count) "
                                 + "(threads are numbered T0, T1, ... consecutively)",
                                 at: header.location)
        }
        advance()
        var process = ProcessRef.main
        if current.isWord("on") {
            advance()
            guard let processName = current.word else {
                throw Diagnostic("`on` needs a process name", at: current.location)
            }
            process = try semantics.threadProcess(processName, at: current.location)
            advance()
        }
        semantics.begin(.thread(name: name, process: process))
        let statements = try parseBlock(opener: header)
        semantics.endThread(name)
        return ScenarioThread(name: name, index: index, process: process, statements: statements,
                              location: header.location)
    }

    /// `{ statement... }`: statements end at a newline, `;` or the closing `}`.
    mutating func parseBlock(opener: Token) throws(Diagnostic) -> [Statement] {
        let what = opener.word ?? "block"
        skipNewlines()
        guard current.isSymbol(.leftBrace) else {
            throw Diagnostic("expected `{` after \(what), not \(current)", at: current.location)
        }
        let brace = current.location
        advance()
        var statements: [Statement] = []
        while true {
            skipNewlines()
            if current.isSymbol(.rightBrace) {
                advance()
                return statements
            }
            if current.kind == .end {
                throw Diagnostic("unterminated block: the `{` of \(what) has no closing `}`",
                                 at: brace)
            }
            statements.append(try parseStatement())
        }
    }

    // MARK: Final clause and expectations

    mutating func parseConditionClause() throws(Diagnostic) -> ConditionClause {
        let location = current.location
        let quantifier: Quantifier
        if current.isSymbol(.not) {
            advance()
            guard current.isWord("exists") else {
                throw Diagnostic("expected `exists` after `~` (`~exists (...)`)",
                                 at: current.location)
            }
            quantifier = .notExists
        } else {
            quantifier = current.isWord("exists") ? .exists : .forall
        }
        advance()
        if atLineEnd {
            throw Diagnostic("`\(quantifier.rawValue)` needs a condition", at: current.location)
        }
        let condition = try parseCondition(scope: .final)
        try expectLineEnd(after: "the condition")
        return ConditionClause(quantifier: quantifier, condition: condition, location: location)
    }

    mutating func parseExpectation() throws(Diagnostic) -> ExpectationLine {
        let location = current.location
        advance()
        let valid = "pass, violation KIND, Never, Sometimes or Always"
        guard let word = current.word else {
            throw Diagnostic("`expect` needs one of \(valid)", at: current.location)
        }
        let expectation: Expectation
        if word == "pass" {
            expectation = .pass
        } else if word == "violation" {
            advance()
            let kinds = ViolationKind.allCases.map(\.name).joined(separator: ", ")
            guard let kindName = current.word else {
                throw Diagnostic("`expect violation` needs a kind (\(kinds))", at: current.location)
            }
            guard let kind = ViolationKind(name: kindName) else {
                throw Diagnostic("unknown violation `\(kindName)` (kinds: \(kinds))",
                                 at: current.location)
            }
            expectation = .violation(kind)
        } else if let outcome = ObservationOutcome(rawValue: word) {
            expectation = .observation(outcome)
        } else {
            throw Diagnostic("unknown expectation `\(word)` (valid: \(valid))",
                             at: current.location)
        }
        advance()
        try expectLineEnd(after: "the expectation")
        return ExpectationLine(expectation: expectation, location: location)
    }
}
