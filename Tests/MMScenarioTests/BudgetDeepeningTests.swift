import Foundation
import MMExplore
import Testing
@testable import MMScenario

/// Issue 12 item 6: a `--timeout` run that DPOR cannot finish spends the rest of its time by
/// increasing preemption bound, says how far it got, and judges nothing it did not finish.
@Suite struct BudgetDeepeningTests {
    @Test func timedOutRunIsInconclusiveAndSaysItsBound() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let path = url.path + "/Benchmarks/explore/anon-thp-dio-vs-munmap-vs-alloc.litmus"
        let loaded = try ScenarioRunner.load(source: String(contentsOfFile: path, encoding: .utf8),
                                             file: "anon.litmus")
        var options = ExploreOptions(timeout: 2)
        options.deepenOnBudget = true
        let r = ScenarioRunner.run(loaded, options: options)
        #expect(!r.complete && r.stopReason == "timeout")
        #expect(r.strategy == "DPOR half the time, then by bound")
        #expect(r.expectations.allSatisfy { $0.inconclusive })
        #expect(r.verdict == .inconclusive)
    }
}
