import Foundation
import MMExplore
import MMTestSupport
import Testing
@testable import MMScenario

/// DPOR validation (issue 5, deliverable 5): for every bundled scenario whose threads have
/// at most 5,000 interleavings, enumerating them all without reduction and exploring
/// them with DPOR give the same set of outcomes (violation kinds and condition values).
@Suite struct DPORValidationTests {
    /// Naive enumeration stops here: such a scenario is too big to validate.
    static let naiveLimit = 5000

    /// Every bundled scenario, relative to `scenarios/`.
    static let files = ScenarioExpectationTests.files

    /// The distinct outcomes of exploring `loaded` under `options`, and whether it finished.
    static func outcomes(_ loaded: ScenarioRunner.Loaded, _ options: ExploreOptions)
        -> (outcomes: Set<RunOutcome>, executions: Int, complete: Bool)
    {
        let r = explore(options, testHash: loaded.test.sourceHash, isInteresting: { _ in false },
                        make: { ScenarioRunner.makeExecution(loaded, verbose: false) })
        return (Set(r.outcomes.map(\.outcome)), r.executions, r.complete)
    }

    /// What one exploration reached: final states of the condition's variables and
    /// violation kinds (the facts `mmsim check --json` reports), and whether it finished.
    struct Reached: Equatable {
        var states: Set<[String]>
        var violations: Set<String>
        var executions: Int
        var complete: Bool

        /// Everything `other` reached is here too.
        func covers(_ other: Reached) -> Bool {
            other.states.isSubset(of: states) && other.violations.isSubset(of: violations)
        }
    }

    /// Explores `file` with `strategy` (`check`'s spelling): in the fresh release binary when
    /// there is one (ten times faster than this debug build; the audit of every bundled test
    /// runs in ScenarioExpectationTests), else in-process.
    static func reached(_ file: String, _ loaded: ScenarioRunner.Loaded, strategy: String,
                        maxExecutions: Int?, timeout: Double?) throws -> Reached {
        let path = ScenarioExpectationTests.root + "/scenarios/" + file
        if ReleaseBinary.fresh != nil {
            var args = ["check", path, "--json", "--strategy", strategy]
            if strategy == "random" { args += ["--seed", "7", "--runs", "100"] }
            if let maxExecutions { args += ["--max-executions", String(maxExecutions)] }
            if let timeout { args += ["--timeout", String(timeout)] }
            let json = try ReleaseBinary.run(args, environment: ["MMSIM_AUDIT": "0"])
            struct Doc: Decodable {
                struct Report: Decodable {
                    struct State: Decodable { let values: [String] }
                    struct Count: Decodable { let kind: String }
                    let complete: Bool
                    let executions: Int
                    let states: [State]
                    let violations: [Count]
                }
                let tests: [Report]
            }
            let doc = try JSONDecoder().decode(Doc.self, from: Data(json.utf8))
            let r = try #require(doc.tests.first, "\(file): no report")
            return Reached(states: Set(r.states.map(\.values)),
                           violations: Set(r.violations.map(\.kind)),
                           executions: r.executions, complete: r.complete)
        }
        let s: Strategy = switch strategy {
        case "naive": .naive
        case "random": .random(seed: 7, runs: 100)
        default: .dpor
        }
        let r = outcomes(loaded,
                         ExploreOptions(strategy: s, maxExecutions: maxExecutions,
                                        timeout: timeout))
        return Reached(states: Set(r.outcomes.map(\.state)),
                       violations: Set(r.outcomes.flatMap { $0.violations.map(\.name) }),
                       executions: r.executions, complete: r.complete)
    }

    /// Every bundled test with threads: when its interleavings number at most `naiveLimit`,
    /// DPOR reaches exactly what enumerating them all reaches; when there are more, random
    /// schedules (a fixed seed, 100 runs) reach nothing DPOR did not, provided DPOR finishes
    /// within 2,000 executions (larger ones are left to the expectation test's budget and to
    /// CI's `check --cross-check 1`). Naive runs once per test.
    @Test(arguments: files) func dporAgreesWithNaiveOrRandom(file: String) throws {
        let path = ScenarioExpectationTests.root + "/scenarios/" + file
        let loaded =
            try ScenarioRunner.load(source: try String(contentsOfFile: path, encoding: .utf8),
                                             file: file)
        guard !loaded.test.threads.isEmpty else { return }
        // A wall-clock cap too, so that a scenario far beyond the limit is skipped quickly;
        // it only ever skips, it never changes what is compared.
        let naive = try Self.reached(file, loaded, strategy: "naive",
                                     maxExecutions: Self.naiveLimit + 1, timeout: 15)
        if naive.complete && naive.executions <= Self.naiveLimit {
            let dpor = try Self.reached(file, loaded, strategy: "dpor", maxExecutions: nil,
                                        timeout: nil)
            #expect(dpor.complete)
            #expect(dpor.executions <= naive.executions)
            #expect(dpor.states == naive.states && dpor.violations == naive.violations,
                    "\(file): naive \(naive) vs DPOR \(dpor)")
            return
        }
        let dpor = try Self.reached(file, loaded, strategy: "dpor", maxExecutions: 2000,
                                    timeout: 20)
        guard dpor.complete else { return }
        let random = try Self.reached(file, loaded, strategy: "random", maxExecutions: nil,
                                      timeout: nil)
        #expect(dpor.covers(random), "\(file): random reached \(random), DPOR \(dpor)")
    }

    /// The in-process comparison keeps whole outcomes (violations together with the final
    /// state they ended in), on the racy concurrency tests small enough to enumerate.
    @Test(arguments: ["concurrency/observe-vs-dontneed.litmus",
                      "concurrency/anon-store-load-race.litmus"])
    func dporFindsEveryNaiveOutcomeInProcess(file: String) throws {
        let path = ScenarioExpectationTests.root + "/scenarios/" + file
        let loaded =
            try ScenarioRunner.load(source: try String(contentsOfFile: path, encoding: .utf8),
                                             file: file)
        let naive = Self.outcomes(loaded, ExploreOptions(strategy: .naive,
                                                         maxExecutions: Self.naiveLimit + 1))
        #expect(naive.complete && naive.executions <= Self.naiveLimit,
                "\(file): \(naive.executions)")
        let dpor = Self.outcomes(loaded, ExploreOptions(strategy: .dpor))
        #expect(dpor.complete)
        #expect(dpor.outcomes == naive.outcomes,
                "\(file): naive \(naive.outcomes) vs DPOR \(dpor.outcomes)")
    }

    /// The validation is not vacuous: the concurrency scenarios with a race are among those
    /// small enough to enumerate, and naive finds more than one outcome for them.
    @Test func validationCoversRacyScenarios() throws {
        let file = "concurrency/munmap-vs-load-unordered.litmus"
        let path = ScenarioExpectationTests.root + "/scenarios/" + file
        let loaded =
            try ScenarioRunner.load(source: try String(contentsOfFile: path, encoding: .utf8),
                                             file: file)
        let naive = Self.outcomes(loaded, ExploreOptions(strategy: .naive,
                                                         maxExecutions: Self.naiveLimit + 1))
        #expect(naive.complete)
        #expect(naive.outcomes.count >= 2)
        #expect(naive.outcomes.contains { $0.violations.contains(.staleTLB) })
    }
}
