import MMExplore
import MMKernel
import MMTestSupport
import Testing
@testable import MMScenario

/// Issue 13, answers a kernel developer can paste: tokens that survive reformatting,
/// witnesses with tokens and traces, herd's States, refused statements.
@Suite struct AnswerTests {
    static let threeThreads = SampleTests.threeThreads

    static func load(_ source: String) throws -> ScenarioRunner.Loaded {
        try ScenarioRunner.load(source: source, file: "t.litmus")
    }

    // MARK: 1. Tokens hash the normalised test

    @Test func tokenSurvivesReindentingAndComments() throws {
        let original = try Self.load(Self.threeThreads)
        let report = ScenarioRunner.run(original, options: ExploreOptions(strategy: .dpor))
        let token = try #require(report.witnesses.first?.token)
        let reformatted = Self.threeThreads
            .replacingOccurrences(of: "  main:", with: "\tmain:")
            .replacingOccurrences(of: "T1 {", with: "# the reader\nT1   {   # reads\n")
            .replacingOccurrences(of: "exists (", with: "\n\nexists   (  ")
            + "\n# trailing comment\n"
        let edited = try Self.load(reformatted)
        #expect(edited.test.sourceHash != original.test.sourceHash)
        #expect(edited.test.canonicalHash == original.test.canonicalHash)
        let replayed = try #require(ScenarioRunner.replay(edited, token: token))
        #expect(replayed.outcome.condition == true)
        // The replay's sketch is the witness sketch the report printed.
        let sketch = try #require(replayed.sketch)
        #expect(sketch.focus == .finalState)
        #expect(sketch == report.witnesses.first?.sketch)
        // Even under another file name (a moved test).
        let moved = try ScenarioRunner.load(source: reformatted, file: "elsewhere/u.litmus")
        #expect(ScenarioRunner.replay(moved, token: token) != nil)
    }

    @Test(arguments: [
        ("value=42", "value=43"),               // a stored value
        ("kernel v6.1", "kernel v5.10"),        // the era
        ("kernel v6.1", "kernel v6.1 -thp_always"),  // a knob
        ("T2:b == 1", "T2:b == 2"),             // the condition
        ("expect Sometimes", "expect Always"),  // an expectation
        ("b = load buf", "b = load buf+8"),     // an address
    ])
    func tokenIsRefusedForAChangedMeaning(from: String, to: String) throws {
        let original = try Self.load(Self.threeThreads)
        let report = ScenarioRunner.run(original, options: ExploreOptions(strategy: .dpor))
        let token = try #require(report.witnesses.first?.token)
        let changed = try Self.load(Self.threeThreads.replacingOccurrences(of: from, with: to))
        #expect(changed.test.canonicalHash != original.test.canonicalHash)
        #expect(ScenarioRunner.replay(changed, token: token) == nil)
    }

    @Test func threadStructureIsPartOfTheHash() throws {
        // The same statements, one moved to another thread.
        let a = try Self.load(Self.threeThreads)
        let b = try Self.load(Self.threeThreads
            .replacingOccurrences(of: "T1 {\n  a = load buf\n}\n\nT2 {\n  b = load buf\n}",
                                  with: "T1 {\n  a = load buf\n  b = load buf\n}\n\nT2 {\n  c = "
                                      + "load buf\n}")
            .replacingOccurrences(of: "T2:b == 1", with: "T1:b == 1"))
        #expect(a.test.canonicalHash != b.test.canonicalHash)
    }

    // MARK: 2. Witnesses

    @Test func sometimesGetsAReplayableWitnessWithItsTrace() throws {
        let loaded = try Self.load(Self.threeThreads)
        let report = ScenarioRunner.run(loaded, options: ExploreOptions(strategy: .dpor))
        #expect(report.violations.isEmpty)
        #expect(report.observation?.outcome == "Sometimes")
        let w = try #require(report.witnesses.first)
        #expect(report.witnesses.count == 1)
        #expect(w.role == "witness" && w.condition)
        #expect(w.state == ["T1:a=42", "T2:b=1"])
        #expect(w.trace.contains { $0.hasPrefix("T0") && $0.contains("store buf value=42") })
        let replayed = try #require(ScenarioRunner.replay(loaded, token: w.token))
        #expect(replayed.outcome.condition == true)
        #expect(replayed.trace == w.trace)
    }

    @Test func failedAlwaysGetsACounterexampleAndFailedNeverAWitness() throws {
        let always = try Self.load(Self.threeThreads.replacingOccurrences(
            of: "expect Sometimes", with: "expect Always"))
        let r = ScenarioRunner.run(always, options: ExploreOptions(strategy: .dpor))
        #expect(!r.passed)
        let counter = try #require(r.witnesses.first { $0.role == "counterexample" })
        #expect(!counter.condition)
        #expect(ScenarioRunner.replay(always, token: counter.token)?.outcome.condition == false)

        let never = try Self.load(Self.threeThreads.replacingOccurrences(
            of: "exists (", with: "~exists (").replacingOccurrences(
            of: "expect Sometimes", with: "expect Never"))
        let n = ScenarioRunner.run(never, options: ExploreOptions(strategy: .dpor))
        #expect(!n.passed)
        let witness = try #require(n.witnesses.first { $0.role == "witness" })
        #expect(ScenarioRunner.replay(never, token: witness.token)?.outcome.condition == true)
        #expect(!witness.trace.isEmpty)
    }

    @Test func forallThatHoldsNeedsNoCounterexample() throws {
        let loaded = try Self.load(Self.threeThreads.replacingOccurrences(
            of: "exists (T1:a == 42 /\\ T2:b == 1)", with: "forall (T1:a != 7)")
            .replacingOccurrences(of: "expect Sometimes", with: "expect Always"))
        let r = ScenarioRunner.run(loaded, options: ExploreOptions(strategy: .dpor))
        #expect(r.passed)
        #expect(r.witnesses.isEmpty)
    }

    // MARK: 3. States

    @Test func statesListEveryFinalStateWithItsCount() throws {
        let loaded = try Self.load(Self.threeThreads)
        let r = ScenarioRunner.run(loaded, options: ExploreOptions(strategy: .dpor))
        let states = Dictionary(uniqueKeysWithValues: r.states.map { ($0.text, $0) })
        #expect(Set(states.keys) == ["T1:a=1; T2:b=1;", "T1:a=42; T2:b=1;",
                                     "T1:a=1; T2:b=42;", "T1:a=42; T2:b=42;"])
        #expect(r.states.reduce(0) { $0 + $1.executions } == r.executions)
        #expect(states["T1:a=42; T2:b=1;"]?.condition == true)
        #expect(states["T1:a=1; T2:b=1;"]?.condition == false)
        let positive = r.states.filter { $0.condition == true }.reduce(0) { $0 + $1.executions }
        #expect(positive == r.observation?.positive)
    }

    @Test func statesNameFieldsAndDeadThreads() throws {
        let loaded = try Self.load("""
            MM fields
            kernel v6.1
            init {
              main: buf = mmap anon len=4K
              main: touch buf len=4K write
            }
            T0 {
              m = observe buf
            }
            T1 {
              r = munmap buf len=4K
            }
            T2 {
              x = load buf
              y = load buf
            }
            exists (T0:m == pte /\\ T0:m.Rss == 4K /\\ T2:x == 0 /\\ T2:y == 0)
            """)
        let r = ScenarioRunner.run(loaded, options: ExploreOptions(strategy: .dpor))
        #expect(r.states.allSatisfy { $0.values.map { $0.prefix(while: { $0 != "=" }) }
                    == ["T0:m", "T0:m.Rss", "T2:x", "T2:y"] })
        // A thread killed by its first load never assigns its second variable.
        #expect(r.states.contains { $0.values[2] == "T2:x=SIGSEGV" && $0.values[3] == "T2:y=?" })
        #expect(r.states.contains { $0.values == ["T0:m=pte", "T0:m.Rss=4K", "T2:x=0", "T2:y=0"]
                    && $0.condition == true })
        #expect(r.states.reduce(0) { $0 + $1.executions } == r.executions)
    }

    // MARK: 5. Refused statements (mmsim matrix)

    @Test func aPinRefusedByAnEraIsARefusal() throws {
        var loaded = try Self.load("""
            MM pin
            kernel v6.1
            T0 {
              a = mmap anon len=4K
              touch a len=4K write
              p = gup a pages=1 pin
              unpin
            }
            expect pass
            """)
        #expect(ScenarioRunner.runSequential(loaded).refusals.isEmpty)
        loaded.config = KernelConfig(era: .v4_4)
        let r = ScenarioRunner.run(loaded, options: ExploreOptions(strategy: .dpor))
        #expect(r.refusals == ["T0 line 6: p = gup a pages=1 pin => -EINVAL"])
    }

    @Test func aFailedSetupStatementIsARefusal() throws {
        let loaded = try Self.load("""
            MM setup
            kernel v6.1
            init {
              main: a = mmap anon len=4K
              main: b = mmap anon len=4K at=a
            }
            T0 {
              x = load a
            }
            expect pass
            """)
        #expect(ScenarioRunner.runSequential(loaded).refusals
                == ["init line 5: main: b = mmap anon len=4K at=a => -EEXIST"])
    }
}
