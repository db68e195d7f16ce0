import MMExplore
import Testing
@testable import MMScenario

/// Issue 13 item 6: the Swift API builds the same test as its `.litmus` text, explores it
/// and returns typed verdicts.
@Suite struct LibraryAPITests {
    func anonReadThenWrite(expect: ScenarioPart) throws -> Scenario {
        try Scenario("anon-read-then-write", kernel: "v6.1") {
            InitBlock {
                "process P"
                "P: buf = mmap anon len=4M align=2M"
            }
            ThreadBlock("T0", on: "P") {
                "touch buf len=4M"
                "r = observe buf"
                "touch buf len=4M write"
                "w = observe buf"
            }
            FinalCondition.exists("T0:r == pmd /\\ T0:r.Rss == 0 /\\ T0:w == pte /\\ "
                                  + "T0:w.Rss == 4M")
            expect
            Expect.pass
        }
    }

    @Test func theBuilderWritesLitmusText() throws {
        let s = try anonReadThenWrite(expect: Expect.always)
        #expect(s.source.hasPrefix("MM anon-read-then-write\nkernel v6.1\n\ninit {\n  process P\n"))
        #expect(s.source.contains("T0 on P {\n  touch buf len=4M\n"))
        #expect(s.source.hasSuffix("expect Always\nexpect pass\n"))
        #expect(s.test.threads.map(\.name) == ["T0"])
    }

    @Test func exploringGivesTypedVerdicts() throws {
        let holds = try anonReadThenWrite(expect: Expect.always).explore()
        #expect(holds.status == .passed)
        #expect(holds.observation == .always)
        #expect(holds.violations.isEmpty)
        #expect(holds.states.count == 1)
        #expect(holds.expectations.map(\.line) == ["expect Always", "expect pass"])
        let fails = try anonReadThenWrite(expect: Expect.never).explore()
        #expect(fails.status == .failed)
        #expect(fails.expectations.first?.holds == false)
        // A failed Never gets a witness with a token that replays.
        let w = try #require(fails.witnesses.first)
        #expect(w.sketch != nil)
        let s = try anonReadThenWrite(expect: Expect.never)
        #expect(s.replay(token: w.token) != nil)
    }

    @Test func badTextIsOneLocatedError() {
        #expect {
            _ = try Scenario(source: "MM t\nkernel v6.1\nT0 {\n  tuoch buf\n}\nexpect pass\n",
                             file: "t.litmus")
        } throws: { error in
            String(describing: error).hasPrefix("t.litmus:4:")
        }
        #expect(throws: ScenarioRunner.LoadError.self) {
            _ = try Scenario(contentsOfFile: "/nonexistent/x.litmus")
        }
    }
}
