/// Which variables of `init` a test examines: an init statement that fails into such a
/// variable is a result the test checks, not a failed setup.
extension LitmusTest {
    /// True when the final condition or an `assert` (in any block) reads the bare variable
    /// `name` (init's), directly or through a field.
    func examines(initVariable name: String) -> Bool {
        if let clause = condition, clause.condition.mentions(bare: name) { return true }
        let blocks = [initStatements, finallyStatements] + threads.map(\.statements)
        for block in blocks {
            for s in block {
                if case .assert(let c) = s.op, c.mentions(bare: name) { return true }
            }
        }
        return false
    }
}

extension Condition {
    /// True when some comparison reads the bare variable `name`. Iterative: a condition
    /// may be a long chain of `/\` terms.
    func mentions(bare name: String) -> Bool {
        var pending: [Condition] = [self]
        while let c = pending.popLast() {
            switch c {
            case .and(let a, let b), .or(let a, let b): pending += [a, b]
            case .not(let a, _): pending.append(a)
            case .comparison(let cmp):
                for operand in [cmp.lhs, cmp.rhs] {
                    switch operand.value {
                    case .variable(let ref), .field(let ref, _):
                        if ref.thread == nil && ref.name == name { return true }
                    default: break
                    }
                }
            }
        }
        return false
    }
}
