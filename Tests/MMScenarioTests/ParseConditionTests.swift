import MMKernel
import Testing
@testable import MMScenario

/// Conditions: operands, operators, precedence, layout over lines.
@Suite struct ParseConditionTests {
    static let threads = """
    MM c
    init { process P; P: g = mmap anon len=4K }
    T0 on P { r = load g; m = observe g }
    T1 { x = mmap anon len=2M }
    finally { P: f = observe g }

    """

    func condition(_ text: String) throws -> Condition {
        try #require(try parseLitmus(Self.threads + "exists (" + text + ")").condition).condition
    }

    func comparison(_ text: String) throws -> Comparison {
        guard case .comparison(let comparison) = try condition(text) else {
            throw Diagnostic("not a comparison", at: loc(0, 0))
        }
        return comparison
    }

    @Test func operands() throws {
        let t0r = VariableRef(thread: "T0", name: "r")
        let t0m = VariableRef(thread: "T0", name: "m")
        #expect(try comparison("T0:r == 512").rhs.value == .integer(512))
        #expect(try comparison("T0:r == 0x1000").rhs.value == .integer(4096))
        #expect(try comparison("T0:r == 2M").rhs.value == .integer(2 << 20))
        #expect(try comparison("T0:r == -1").rhs.value == .integer(-1))
        #expect(try comparison("T0:r == -EFAULT").rhs.value == .errno(ErrnoName(name: "EFAULT")!))
        #expect(try comparison("T0:r == EREMOTEIO").rhs.value
                == .errno(ErrnoName(name: "EREMOTEIO")!))
        #expect(try comparison("T0:r == SIGBUS").rhs.value == .signal(.sigbus))
        #expect(try comparison("T0:r == SIGSEGV").rhs.value == .signal(.sigsegv))
        #expect(try comparison("T0:m == pmd").rhs.value == .level(.pmd))
        #expect(try comparison("T0:m == none").rhs.value == .level(MappingLevel.none))
        #expect(try comparison("T0:r == g").rhs.value
                == .variable(VariableRef(thread: nil, name: "g")))
        #expect(try comparison("f.Rss == 4K").lhs.value
                == .field(VariableRef(thread: nil, name: "f"), .rss))
        #expect(try comparison("T0:r == 1").lhs.value == .variable(t0r))
        for field in ObservationField.allCases where field != .vmFlags && field != .level {
            #expect(try comparison("T0:m.\(field.rawValue) >= 0").lhs.value == .field(t0m, field))
        }
        #expect(try comparison("T0:m.level == pud").lhs.value == .field(t0m, .level))
        let flags = try comparison("T0:m.VmFlags == \"rd wr mr mw me ac sd\"")
        #expect(flags.rhs.value == .string("rd wr mr mw me ac sd"))
        let has = try comparison("T0:m.VmFlags has hg")
        #expect(has.op == .has && has.rhs.value == .string("hg"))
        #expect(try comparison("T0:m.VmFlags has \"pf\"").rhs.value == .string("pf"))
    }

    @Test func operators() throws {
        let pairs: [(String, ComparisonOperator)] =
            [("==", .equal), ("=", .equal), ("!=", .notEqual), ("<", .less),
             ("<=", .lessOrEqual), (">", .greater), (">=", .greaterOrEqual)]
        for (text, op) in pairs {
            #expect(try comparison("T0:r \(text) 1").op == op)
            #expect(try comparison("T0:r\(text)1").op == op)
        }
    }

    @Test func precedenceNotThenAndThenOr() throws {
        // ~a /\ b \/ c  ==  ((~a) /\ b) \/ c
        let parsed = try condition("~T0:r == 1 /\\ T0:r == 2 \\/ T0:r == 3")
        guard case .or(.and(.not(.comparison(let a), let notLocation), .comparison(let b)),
                       .comparison(let c)) = parsed
        else {
            Issue.record("wrong shape: \(parsed)")
            return
        }
        #expect(notLocation == loc(6, 9))
        #expect([a, b, c].map(\.rhs.value) == [.integer(1), .integer(2), .integer(3)])
        // Parentheses override.
        guard case .and(.comparison,
                        .or) = try condition("T0:r == 1 /\\ (T0:r == 2 \\/ T0:r == 3)") else {
            Issue.record("parentheses ignored")
            return
        }
    }

    @Test func newlinesAreFreeInsideParentheses() throws {
        let test =
            try parseLitmus(Self.threads
                            + "exists (T0:r == 1\n  /\\ T1:x != -ENOMEM\n  /\\ T0:m == pte\n)\n")
        guard case .and(.and, .comparison(let last)) = test.condition?.condition else {
            Issue.record("expected a conjunction")
            return
        }
        #expect(last.location == loc(8, 6))
    }

    @Test func assertSeesItsThreadsVariables() throws {
        let test =
            try parseLitmus("MM a\nT0 { r = mmap anon len=4K; assert r != -ENOMEM /\\ r > 0 }\n")
        guard case .assert(.and) = test.threads[0].statements[1].op else {
            Issue.record("expected assert of a conjunction")
            return
        }
    }
}
