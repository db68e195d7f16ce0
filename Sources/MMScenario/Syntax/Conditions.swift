import MMKernel

/// Which variables a condition sees.
enum ConditionScope {
    /// An `assert` inside a block: the block's variables and `init`'s.
    case block
    /// The final `exists`/`forall`: `init`'s and `finally`'s bare, threads' as `T0:r`.
    case final
}

/// Conditions: `~` binds tightest, then `/\`, then `\/`; newlines are free inside
/// parentheses so a long condition can be laid out over several lines.
extension Parser {
    /// Deep enough for any real test, shallow enough never to exhaust the stack.
    static let maxConditionDepth = 200
    /// Comparisons one condition may hold: far beyond any real test, low enough that
    /// building, hashing and freeing the condition tree stays shallow.
    static let maxConditionTerms = 1000

    mutating func parseCondition(scope: ConditionScope) throws(Diagnostic) -> Condition {
        parenDepth = 0
        conditionTerms = 0
        return try parseDisjunction(scope, depth: 0)
    }

    private mutating func skipNewlinesInParens() {
        while parenDepth > 0, current.kind == .newline { advance() }
    }

    private mutating func parseDisjunction(_ scope: ConditionScope,
                                           depth: Int) throws(Diagnostic) -> Condition {
        var condition = try parseConjunction(scope, depth: depth)
        skipNewlinesInParens()
        while current.isSymbol(.or) {
            advance()
            condition = .or(condition, try parseConjunction(scope, depth: depth))
            skipNewlinesInParens()
        }
        return condition
    }

    private mutating func parseConjunction(_ scope: ConditionScope,
                                           depth: Int) throws(Diagnostic) -> Condition {
        var condition = try parseUnary(scope, depth: depth)
        skipNewlinesInParens()
        while current.isSymbol(.and) {
            advance()
            condition = .and(condition, try parseUnary(scope, depth: depth))
            skipNewlinesInParens()
        }
        return condition
    }

    private mutating func parseUnary(_ scope: ConditionScope,
                                     depth: Int) throws(Diagnostic) -> Condition {
        skipNewlinesInParens()
        guard depth < Parser.maxConditionDepth else {
            throw Diagnostic("condition nested too deeply (more than "
                             + "\(Parser.maxConditionDepth) levels)",
                             at: current.location)
        }
        let token = current
        if token.isSymbol(.not) {
            advance()
            return .not(try parseUnary(scope, depth: depth + 1), token.location)
        }
        if token.isSymbol(.leftParen) {
            advance()
            parenDepth += 1
            let inner = try parseDisjunction(scope, depth: depth + 1)
            skipNewlinesInParens()
            guard current.isSymbol(.rightParen) else {
                throw Diagnostic("expected `)` to close the `(` at "
                                 + "\(token.location.line):\(token.location.column), not "
                                 + "\(current)", at: current.location)
            }
            parenDepth -= 1
            advance()
            return inner
        }
        return .comparison(try parseComparison(scope))
    }

    private mutating func parseComparison(_ scope: ConditionScope)
        throws(Diagnostic) -> Comparison {
        conditionTerms += 1
        guard conditionTerms <= Parser.maxConditionTerms else {
            throw Diagnostic("more than \(Parser.maxConditionTerms) comparisons in one condition",
                             at: current.location)
        }
        let lhs = try parseOperand(scope, afterHas: false)
        skipNewlinesInParens()
        let op: ComparisonOperator
        switch current.kind {
        case .symbol(.equal), .symbol(.assign): op = .equal
        case .symbol(.notEqual): op = .notEqual
        case .symbol(.less): op = .less
        case .symbol(.lessOrEqual): op = .lessOrEqual
        case .symbol(.greater): op = .greater
        case .symbol(.greaterOrEqual): op = .greaterOrEqual
        case .word("has"): op = .has
        default:
            throw Diagnostic("expected a comparison (==, !=, <, <=, >, >=, has) after the operand, "
                             + "not \(current)",
                             at: current.location)
        }
        let opLocation = current.location
        advance()
        skipNewlinesInParens()
        let rhs = try parseOperand(scope, afterHas: op == .has)
        let comparison = Comparison(lhs: lhs, op: op, rhs: rhs, location: lhs.location)
        try semantics.checkTypes(comparison, opLocation: opLocation)
        return comparison
    }

    private mutating func parseOperand(_ scope: ConditionScope,
                                       afterHas: Bool) throws(Diagnostic) -> Operand {
        let token = current
        let location = token.location
        switch token.kind {
        case .string(let text):
            advance()
            return Operand(value: .string(text), location: location)
        case .word(let text):
            advance()
            if afterHas, ValueParsing.isIdentifier(text) {
                return Operand(value: .string(text), location: location)
            }
            return Operand(value: try operandValue(text, at: location, scope: scope),
                           location: location)
        default:
            throw Diagnostic("expected a variable, number, errno, signal, mapping level or string, "
                             + "not \(token)",
                             at: location)
        }
    }

    private func operandValue(_ text: String, at location: SourceLocation,
                              scope: ConditionScope) throws(Diagnostic) -> OperandValue {
        if let level = MappingLevel(rawValue: text) { return .level(level) }
        if let signal = Signal(rawValue: text) { return .signal(signal) }
        let unsigned = text.hasPrefix("-") ? String(text.dropFirst()) : text
        if unsigned.count >= 2, unsigned.hasPrefix("E"),
           unsigned.allSatisfy({ ($0.isASCII && $0.isUppercase) || $0.isNumber }) {
            guard let errno = ErrnoName(name: unsigned) else {
                throw Diagnostic("unknown errno `\(text)` (known: "
                                     + Errno.byName.keys.sorted().joined(separator: ", ") + ")",
                                     at: location)
            }
            return .errno(errno)
        }
        if ValueParsing.looksNumeric(unsigned) {
            guard let value = ValueParsing.signed(text) else {
                throw Diagnostic("bad number `\(text)` (write 42, -1, 0x1000, 4K, 2M or 1G)",
                                 at: location)
            }
            return .integer(value)
        }
        if let dot = text.lastIndex(of: ".") {
            let fieldName = String(text[text.index(after: dot)...])
            guard let variable = ValueParsing.variable(String(text[..<dot])) else {
                throw Diagnostic("bad operand `\(text)`: a field is written T0:m.Rss", at: location)
            }
            guard let field = ObservationField(rawValue: fieldName) else {
                throw Diagnostic("unknown observation field `\(fieldName)` (fields: "
                                     + ObservationField.allCases.map(\.rawValue)
                                         .joined(separator: ", ") + ")",
                                 at: location)
            }
            try semantics.checkObservation(variable, at: location, scope: scope)
            return .field(variable, field)
        }
        guard let variable = ValueParsing.variable(text) else {
            throw Diagnostic("bad operand `\(text)`: expected a variable (r or T0:r), "
                             + "number, errno, signal, mapping level or string", at: location)
        }
        try semantics.checkVariable(variable, at: location, scope: scope)
        return .variable(variable)
    }
}
