import MMKernel

/// Evaluating conditions (`assert`, `exists`, `forall`) on the variables of one execution.
extension ScenarioExecution {
    /// The condition's value; a comparison with an unassigned variable is false (and its
    /// `!=` true), so a thread that died early never satisfies `r == 0`.
    /// A chain `a /\ b /\ c` (a left-leaning tree) is walked in a loop, not recursively.
    func evaluate(_ c: Condition, scope: String) -> Bool {
        switch c {
        case .and:
            var terms: [Condition] = []
            var rest = c
            while case .and(let a, let b) = rest { terms.append(b); rest = a }
            terms.append(rest)
            for term in terms.reversed() where !evaluate(term, scope: scope) { return false }
            return true
        case .or:
            var terms: [Condition] = []
            var rest = c
            while case .or(let a, let b) = rest { terms.append(b); rest = a }
            terms.append(rest)
            for term in terms.reversed() where evaluate(term, scope: scope) { return true }
            return false
        case .not(let a, _): return !evaluate(a, scope: scope)
        case .comparison(let cmp): return compare(cmp, scope: scope)
        }
    }

    /// The final values of the variables `c` names, herd-style (`T0:r=0`), each once, in
    /// the order first named; an unassigned one (its thread died first) shows `?`.
    func state(of c: Condition) -> [String] {
        var seen: Set<String> = []
        var out: [String] = []
        func visit(_ c: Condition) {
            switch c {
            case .and(let a, let b), .or(let a, let b): visit(a); visit(b)
            case .not(let a, _): visit(a)
            case .comparison(let cmp):
                for o in [cmp.lhs, cmp.rhs] {
                    let name: String
                    switch o.value {
                    case .variable(let ref): name = ref.description
                    case .field(let ref, let field):
                        name = field == .level ? ref.description : "\(ref).\(field.rawValue)"
                    default: continue
                    }
                    guard seen.insert(name).inserted else { continue }
                    let shown: String
                    switch scalar(o, scope: "final") {
                    case .number(let v)?:
                        if case .field(_, let f) = o.value, f.isSize { shown = sizeText(v) }
                        else { shown = Value.int(v).description }
                    case .word(let w)?: shown = w.contains(" ") ? "\"\(w)\"" : w
                    case nil: shown = "?"
                    }
                    out.append("\(name)=\(shown)")
                }
            }
        }
        visit(c)
        return out
    }

    /// A size as a test writes it: `4M`, `8K`, `0`, or bytes when not a whole K.
    private func sizeText(_ v: Int64) -> String {
        for (unit, shift) in [("G", 30), ("M", 20), ("K", 10)] as [(String, Int64)]
        where v != 0 && v % (1 << shift) == 0 {
            return "\(v >> shift)\(unit)"
        }
        return String(v)
    }

    /// An operand's value: a number or a word.
    private enum Scalar: Equatable {
        case number(Int64)
        case word(String)
    }

    private func scalar(_ o: Operand, scope: String) -> Scalar? {
        switch o.value {
        case .integer(let v): return .number(v)
        case .errno(let e): return .number(-Int64(e.code))
        case .signal(let s): return .word(s.rawValue)
        case .level(let l): return .word(l.rawValue)
        case .string(let s): return .word(s)
        case .variable(let ref):
            switch vars.lookup(ref.name, thread: ref.thread, from: scope) {
            case .int(let v)?: return .number(v)
            case .signal(let s)?: return .word(s.rawValue)
            case .observation(let obs)?: return .word(obs.level)
            case .process(_, let name)?: return .word(name)
            case nil: return nil
            }
        case .field(let ref, let field):
            guard case .observation(let obs)? = vars.lookup(ref.name, thread: ref.thread,
                                                            from: scope)
            else { return nil }
            switch field {
            case .level: return .word(obs.level)
            case .rss: return .number(Int64(obs.smaps.rss) * 1024)
            case .anonHugePages: return .number(Int64(obs.smaps.anonHugePages) * 1024)
            case .filePmdMapped: return .number(Int64(obs.smaps.filePmdMapped) * 1024)
            case .anonymous: return .number(Int64(obs.smaps.anonymous) * 1024)
            case .vmFlags: return .word(obs.smaps.vmFlags)
            case .present: return .number(obs.pagemap.present ? 1 : 0)
            case .file: return .number(obs.pagemap.file ? 1 : 0)
            case .pfn: return .number(Int64(obs.pagemap.pfn.raw))
            case .entryPfn: return .number(Int64((obs.entry & PTEBits.pfnMask) >> 12))
            case .special: return .number(obs.special ? 1 : 0)
            case .devmap: return .number(obs.devmap ? 1 : 0)
            case .writable: return .number(obs.writable ? 1 : 0)
            case .normal: return .number(obs.normal ? 1 : 0)
            case .refcount: return .number(Int64(obs.refcount))
            case .mapcount: return .number(Int64(obs.mapcount))
            case .pincount: return .number(Int64(obs.pincount))
            case .sharedHugetlb: return .number(Int64(obs.smaps.sharedHugetlb) * 1024)
            case .privateHugetlb: return .number(Int64(obs.smaps.privateHugetlb) * 1024)
            case .pmdTable: return .number(Int64(obs.pmdTable.raw))
            }
        }
    }

    private func compare(_ c: Comparison, scope: String) -> Bool {
        guard let l = scalar(c.lhs, scope: scope), let r = scalar(c.rhs, scope: scope) else {
            return c.op == .notEqual
        }
        switch (l, r, c.op) {
        case (_, _, .equal): return l == r
        case (_, _, .notEqual): return l != r
        case (.word(let a), .word(let b), .has):
            return a.split(separator: " ").contains(Substring(b))
        case (.number(let a), .number(let b), .less): return a < b
        case (.number(let a), .number(let b), .lessOrEqual): return a <= b
        case (.number(let a), .number(let b), .greater): return a > b
        case (.number(let a), .number(let b), .greaterOrEqual): return a >= b
        default: return false
        }
    }
}


extension ObservationField {
    /// Whether the field is an smaps size in bytes (printed as `4M` in States).
    var isSize: Bool {
        switch self {
        case .rss, .anonHugePages, .filePmdMapped, .anonymous, .sharedHugetlb, .privateHugetlb:
            return true
        default: return false
        }
    }
}
