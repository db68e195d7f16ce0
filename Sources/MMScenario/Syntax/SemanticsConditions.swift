/// Type rules of conditions and the consistency of `expect` lines.
extension Semantics {
    /// Ordering compares numbers; `has` and strings belong to VmFlags.
    func checkTypes(_ comparison: Comparison, opLocation: SourceLocation) throws(Diagnostic) {
        let sides = [comparison.lhs, comparison.rhs]
        let op = comparison.op
        func isVmFlags(_ operand: Operand) -> Bool {
            if case .field(_, .vmFlags) = operand.value { return true }
            return false
        }
        switch op {
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            for side in sides {
                if let what = Semantics.nonNumeric(side) {
                    throw Diagnostic("`\(op.rawValue)` compares numbers; \(what) is not a number",
                                     at: side.location)
                }
            }
        case .has:
            guard isVmFlags(comparison.lhs) else {
                throw Diagnostic("`has` tests a VmFlags letter pair: write `T0:m.VmFlags has hg`",
                                 at: comparison.lhs.location)
            }
            guard case .string(let flag) = comparison.rhs.value, !flag.contains(" "),
                  !flag.isEmpty else {
                throw Diagnostic("`has` takes one VmFlags mnemonic like hg or pf",
                                 at: comparison.rhs.location)
            }
        case .equal, .notEqual:
            for (side, other) in [(comparison.lhs, comparison.rhs),
                                  (comparison.rhs, comparison.lhs)] {
                if case .string = side.value, !isVmFlags(other) {
                    throw Diagnostic("a string compares only with a VmFlags field (T0:m.VmFlags "
                                     + "== \"rd wr\")",
                                     at: side.location)
                }
                if isVmFlags(side), case .string = other.value {} else if isVmFlags(side) {
                    throw Diagnostic("VmFlags compares with a quoted string like \"rd wr mr "
                                     + "mw me ac sd\"",
                                     at: other.location)
                }
            }
        }
    }

    /// What makes an operand unfit for `<`, or nil when it may be a number.
    private static func nonNumeric(_ operand: Operand) -> String? {
        switch operand.value {
        case .signal(let signal): return signal.rawValue
        case .level(let level): return "the mapping level `\(level.rawValue)`"
        case .string: return "a string"
        case .field(_, .vmFlags): return "VmFlags"
        case .field(_, .level): return "a mapping level"
        default: return nil
        }
    }

    /// Observation expectations need a condition; `pass` cannot meet a violation, and one
    /// condition has one outcome.
    func checkExpectations(_ lines: [ExpectationLine],
                           condition: ConditionClause?) throws(Diagnostic) {
        var pass: ExpectationLine?
        var violation: ExpectationLine?
        var outcome: (ObservationOutcome, ExpectationLine)?
        for line in lines {
            switch line.expectation {
            case .pass:
                if let violation { throw contradiction(line, violation) }
                pass = line
            case .violation:
                if let pass { throw contradiction(line, pass) }
                violation = line
            case .observation(let observed):
                guard condition != nil else {
                    throw Diagnostic("`expect \(observed.rawValue)` needs a final condition "
                                         + "(exists, forall or ~exists)", at: line.location)
                }
                if let (earlier, earlierLine) = outcome, earlier != observed {
                    throw contradiction(line, earlierLine)
                }
                outcome = (observed, line)
            }
        }
    }

    private func contradiction(_ line: ExpectationLine, _ earlier: ExpectationLine) -> Diagnostic {
        Diagnostic("this expectation contradicts the one at "
                   + "\(earlier.location.line):\(earlier.location.column)",
                   at: line.location)
    }
}
