import Foundation
import MMExplore
import MMKernel
import Testing
@testable import MMScenario

/// Issue 11 item 5, "no traps, honest results": bad input and runaway tests end in a
/// located message or an honest verdict, never in a trap or a false "pass".
@Suite struct HonestResultsTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    func load(_ source: String) throws -> ScenarioRunner.Loaded {
        try ScenarioRunner.load(source: source, file: "t.litmus")
    }

    func run(_ source: String, _ options: ExploreOptions = ExploreOptions()) throws -> TestReport {
        ScenarioRunner.run(try load(source), options: options)
    }

    // MARK: 1a. device-dax before v4.7

    static let devdaxV44 = """
        MM devdax-v44
        kernel v4.4

        init {
          process P
          pmem pm0 size=16M mode=devdax map=mem
          P: buf = mmap /dev/dax0.0 len=2M shared
        }

        T0 on P {
          touch buf len=4K write
        }

        expect pass
        """

    /// v4.4 had no device-dax (it appeared in v4.7): the devdax namespace is refused and
    /// the test stops there with a located setup error (it trapped with an index out of
    /// range in DaxMmap.swift).
    @Test func devdaxOnV44IsASetupErrorNotATrap() throws {
        let r = try run(Self.devdaxV44)
        #expect(r.setupError?.hasPrefix("t.litmus:6:3: setup error: `pmem pm0") == true)
        #expect(r.setupError?.contains("-EOPNOTSUPP under v4.4") == true)
        #expect(r.violations.isEmpty)
        #expect(r.verdict == .setupError)
    }

    /// `mmsim matrix` over a device-dax test runs it under every era: none traps, v4.4
    /// reports its setup error, the others run.
    @Test func devdaxAcrossEveryEraDoesNotTrap() throws {
        let path = Self.root + "/scenarios/dax/devdax-mmap-and-write.litmus"
        var loaded = try ScenarioRunner.load(source: String(contentsOfFile: path, encoding: .utf8),
                                             file: "devdax-mmap-and-write.litmus")
        for era in Era.allCases {
            loaded.config = KernelConfig(era: era)
            let r = ScenarioRunner.run(loaded, options: ExploreOptions(maxExecutions: 100))
            #expect((r.setupError != nil) == (era == .v4_4), "\(era.name): \(r.setupError ?? "-")")
            #expect(!r.violations.contains { $0.kind == "bug-on" }, "\(era.name)")
        }
    }

    // MARK: 1b. threads and agents

    func threads(_ n: Int, body: String) -> String {
        var s = "MM many\nkernel v6.1\n\ninit {\n  disk sda size=64M\n  mkfs sda ext4\n"
            + "  mount sda /src\n  file /src/f size=64K\n  process P\n"
            + "  P: buf = mmap anon len=4K populate\n}\n\n"
        for i in 0..<n { s += "T\(i) on P {\n\(i == 0 ? body : "  r = load buf")\n}\n" }
        return s + "\nexpect pass\n"
    }

    /// 33 threads: a parse error at the 33rd thread's header (it trapped at run time,
    /// "at most 64 threads", with 65).
    @Test func tooManyThreadsIsAParseError() {
        let source = threads(33, body: "  r = load buf")
        let line = source.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.hasPrefix("T32 ") }! + 1
        #expect(diagnosticText(source) == "t.litmus:\(line):1: error: at most 32 threads "
                + "(T0-T31); the other 32 of 64 are for agents")
        #expect(diagnosticText(threads(32, body: "  r = load buf")) == nil)
    }

    /// 32 threads whose direct I/O would start more DMA agents than an execution holds
    /// (it explored on, every execution an internal error without a location): a parse
    /// error at the direct I/O that would start the 33rd agent; 32 of them run.
    @Test func agentBeyondTheLimitIsAParseError() throws {
        let dio = { (n: Int) in
            (0..<n).map { "  n\($0) = dio_read /src/f into=buf len=4K" }.joined(separator: "\n")
        }
        let source = threads(32, body: dio(33))
        let line = source.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.hasPrefix("  n32 = ") }! + 1
        #expect(diagnosticText(source) == "t.litmus:\(line):3: error: too many DMA agents: "
                + "32 threads + 33 dio statements > 64, the threads and agents an execution runs")
        let r = try run(threads(32, body: dio(32)), ExploreOptions(strategy: .sequential))
        #expect(r.internalErrorExecutions == 0)
        #expect(r.passed)
    }

    // MARK: 1c. huge conditions

    func condition(terms: Int) -> String {
        let c = Array(repeating: "T0:r == 0", count: terms).joined(separator: " /\\ ")
        return "MM big\nkernel v6.1\n\ninit {\n  process P\n  P: buf = mmap anon len=4K\n}\n\n"
            + "T0 on P {\n  r = load buf\n}\n\nexists (\(c))\nexpect Always\n"
    }

    /// A 30,000-term condition is refused at its 1001st comparison (it overflowed the
    /// stack in Evaluate.swift); 1,000 terms run and hold.
    @Test func hugeConditionIsRefusedAndLargeOneEvaluates() throws {
        let column = 9 + 1000 * "T0:r == 0 /\\ ".count
        #expect(diagnosticText(condition(terms: 30_000))
                == "t.litmus:13:\(column): error: more than 1000 comparisons in one condition")
        let r = try run(condition(terms: 1000))
        #expect(r.observation?.outcome == "Always")
        #expect(r.passed)
    }

    // MARK: 2. budgets inside an execution

    /// A test of one process where T0 runs `stores` and T1 `loads` on one page, asking
    /// whether T1's `r` can be 99 (never: nothing stores 99), with `expect` lines.
    static func storesVsLoads(stores: [String], loads: [String], expect: [String]) -> String {
        let t0 = stores.map { "  " + $0 }.joined(separator: "\n")
        let t1 = loads.map { "  " + $0 }.joined(separator: "\n")
        return """
            MM race
            kernel v6.1

            init {
              process P
              P: buf = mmap anon len=4K populate
            }

            T0 on P {
            \(t0)
            }

            T1 on P {
            \(t1)
            }

            exists (T1:r == 99)
            \(expect.joined(separator: "\n"))
            """
    }

    static let touch16G = """
        MM touch16g
        kernel v6.1 -thp_always

        init {
          process P
          P: b = mmap anon len=16G
        }

        T0 on P {
          touch b len=16G write
        }

        expect pass
        """

    /// `--timeout` cuts a single long execution (4M page faults without THP: it ran for
    /// about a minute and took gigabytes): the test is inconclusive, not passed.
    @Test func timeoutStopsInsideAnExecution() throws {
        let start = Date()
        let r = try run(Self.touch16G, ExploreOptions(timeout: 1))
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(!r.complete)
        #expect(r.stopReason == "timeout")
        #expect(r.expectations.map(\.inconclusive) == [true])
        #expect(r.verdict == .inconclusive)
    }

    /// `--max-memory` stops the execution once the process's resident memory passes it.
    @Test func maxMemoryStopsInsideAnExecution() throws {
        let r = try run(Self.touch16G, ExploreOptions(maxMemory: 1))
        #expect(!r.complete)
        #expect(r.stopReason == "max-memory")
        #expect(r.verdict == .inconclusive)
    }

    /// An exploration a budget stopped does not judge `Never`/`pass` as holding; what it
    /// saw can still refute `Always`.
    @Test func stoppedExplorationIsInconclusive() throws {
        let source = Self.storesVsLoads(stores: ["store buf value=1", "store buf value=2"],
                                        loads: ["r = load buf", "s = load buf"],
                                        expect: ["expect Never", "expect pass"])
        let r = try run(source, ExploreOptions(maxExecutions: 1))
        #expect(!r.complete)
        #expect(r.expectations.map(\.inconclusive) == [true, true])
        #expect(r.verdict == .inconclusive)
        #expect(!r.passed)
        let full = try run(source)
        #expect(full.complete && full.passed)
    }

    /// A run a budget stopped before it counted an execution (the full audit makes one
    /// execution outlast `--timeout 20`) has seen no counterexample: `expect Always` is
    /// inconclusive, not failed (it failed). One execution where the condition does not
    /// hold refutes it.
    @Test func noExecutionRefutesNothing() throws {
        let source = Self.storesVsLoads(stores: ["store buf value=1"], loads: ["r = load buf"],
                                        expect: ["expect Always"])
        let none = try run(source, ExploreOptions(maxExecutions: 0))
        #expect(none.executions == 0 && !none.complete)
        #expect(none.expectations.map(\.inconclusive) == [true])
        #expect(none.verdict == .inconclusive)
        let one = try run(source, ExploreOptions(maxExecutions: 1))
        #expect(one.executions == 1)
        #expect(one.expectations.map(\.inconclusive) == [false])
        #expect(one.verdict == .failed)
    }

    // MARK: 3. unexpected violations

    /// A use-after-free that no expect line names fails the test (it "passed" when the
    /// test had no expect line).
    @Test func unexpectedViolationFailsTheTest() throws {
        let path = Self.root + "/scenarios/seeds/c3-1-gupfast-vs-unbind-no-pgmap-check.litmus"
        let source = try String(contentsOfFile: path, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("expect") }.joined(separator: "\n")
        let r = try run(source)
        #expect(r.violations.map(\.kind) == ["use-after-free"])
        #expect(r.unexpectedViolations == ["use-after-free"])
        #expect(r.verdict == .failed)
    }

    // MARK: 4. setup errors

    /// v4.4 refuses `pmem ... map=mem`: a setup error at that statement, init stops (no
    /// `mkfs`/`mount` bug-on), and the verdict is its own.
    @Test func failedSetupStepStopsTheTest() throws {
        let source = """
            MM pmem44
            kernel v4.4

            init {
              process P
              pmem pm0 size=16M map=mem
              mkfs pm0 ext4
              mount pm0 /mnt dax
              file /mnt/f size=2M
              P: buf = mmap /mnt/f len=2M shared
            }

            T0 on P {
              touch buf len=4K write
            }

            expect pass
            """
        let r = try run(source)
        #expect(r.setupError == "t.litmus:6:3: setup error: `pmem pm0 size=16M map=mem` returned "
                + "-EOPNOTSUPP under v4.4; the test needs it")
        #expect(r.violations.isEmpty)
        #expect(r.verdict == .setupError)
        #expect(!r.passed)
    }

    /// A failing init op whose result the condition examines is a result, not a setup
    /// error.
    @Test func checkedInitFailureIsAResult() throws {
        let r = try run("""
            MM checked
            kernel v6.1

            init {
              process P
              P: r = mmap anon len=4K at=0x10000000800
            }

            T0 on P {
              x = load r
            }

            exists (r == -EINVAL)
            expect Always
            """)
        #expect(r.setupError == nil)
        #expect(r.passed, "\(r.expectations) \(String(describing: r.observation))")
    }

    // MARK: 5. redefinitions

    /// A variable assigned twice in one block, or a thread reassigning init's, is an error
    /// at the second assignment.
    @Test func redefiningAVariableIsAnError() {
        let base = "MM t\ninit {\n  process P\n  P: buf = mmap anon len=4K\n}\nT0 on P {\n"
        #expect(diagnosticText(base + "  r = load buf\n  r = load buf\n}\n")
                == "t.litmus:8:3: error: variable `r` is already assigned at 7:3")
        #expect(diagnosticText(base + "  buf = load buf\n}\n")
                == "t.litmus:7:3: error: variable `buf` is already assigned at 4:6 in init")
    }
}
