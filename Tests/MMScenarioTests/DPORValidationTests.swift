import Foundation
import MMExplore
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

    @Test(arguments: files) func dporFindsEveryNaiveOutcome(file: String) throws {
        let path = ScenarioExpectationTests.root + "/scenarios/" + file
        let source = try String(contentsOfFile: path, encoding: .utf8)
        let loaded = try ScenarioRunner.load(source: source, file: file)
        // A wall-clock cap too, so that a scenario far beyond the limit is skipped quickly
        // in debug builds; it only ever skips, it never changes what is compared.
        let naive = Self.outcomes(loaded, ExploreOptions(strategy: .naive,
                                                         maxExecutions: Self.naiveLimit + 1,
                                                         timeout: 15))
        guard naive.complete && naive.executions <= Self.naiveLimit else { return }
        let dpor = Self.outcomes(loaded, ExploreOptions(strategy: .dpor))
        #expect(dpor.complete)
        #expect(dpor.executions <= naive.executions)
        #expect(dpor.outcomes == naive.outcomes,
                "\(file): naive \(naive.outcomes) vs DPOR \(dpor.outcomes)")
    }

    /// For scenarios too large for naive enumeration: random schedules (a fixed seed, 100
    /// runs) may only reach outcomes DPOR listed. DPOR must finish within 2,000
    /// executions (in this debug build) for the comparison to mean something; larger ones
    /// are left to the expectation test's own budget.
    @Test(arguments: files) func randomFindsNothingDPORMissed(file: String) throws {
        let path = ScenarioExpectationTests.root + "/scenarios/" + file
        let loaded = try ScenarioRunner.load(source: try String(contentsOfFile: path, encoding: .utf8),
                                             file: file)
        guard !loaded.test.threads.isEmpty else { return }
        let naive = Self.outcomes(loaded, ExploreOptions(strategy: .naive,
                                                         maxExecutions: Self.naiveLimit + 1,
                                                         timeout: 15))
        guard !(naive.complete && naive.executions <= Self.naiveLimit) else { return }
        let dpor = Self.outcomes(loaded, ExploreOptions(strategy: .dpor, maxExecutions: 2000,
                                                        timeout: 20))
        guard dpor.complete else { return }
        let random = Self.outcomes(loaded, ExploreOptions(strategy: .random(seed: 7, runs: 100)))
        let missed = random.outcomes.subtracting(dpor.outcomes)
        #expect(missed.isEmpty, "\(file): random reached \(missed), DPOR listed \(dpor.outcomes)")
    }

    /// The validation is not vacuous: the concurrency scenarios with a race are among those
    /// small enough to enumerate, and naive finds more than one outcome for them.
    @Test func validationCoversRacyScenarios() throws {
        let file = "concurrency/munmap-vs-load-unordered.litmus"
        let path = ScenarioExpectationTests.root + "/scenarios/" + file
        let loaded = try ScenarioRunner.load(source: try String(contentsOfFile: path, encoding: .utf8),
                                             file: file)
        let naive = Self.outcomes(loaded, ExploreOptions(strategy: .naive,
                                                         maxExecutions: Self.naiveLimit + 1))
        #expect(naive.complete)
        #expect(naive.outcomes.count >= 2)
        #expect(naive.outcomes.contains { $0.violations.contains(.staleTLB) })
    }
}
