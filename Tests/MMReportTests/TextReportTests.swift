import Testing
@testable import MMReport
import MMScenario

/// The text report keeps the herd-like shape of scenario-format.md and fits in an email.
@Suite struct TextReportTests {
    func sample(trace: [String] = []) -> TestReport {
        TestReport(
            file: "scenarios/x.litmus", name: "x", kernel: "v5.10 -gup_fast_pgmap_check",
            strategy: "DPOR", executions: 37, seconds: 0.0123, complete: true, stopReason: nil,
            violations: [ViolationCount(kind: "use-after-free", executions: 4)],
            observation: ObservationCount(outcome: "Sometimes", positive: 4, negative: 33),
            replayToken: "v1.0000abcd.1C0",
            expectations: [ExpectationResult(line: "expect violation use-after-free",
                                             location: "scenarios/x.litmus:20:1", holds: true)],
            firstViolationDetails: [], trace: trace, log: [], pctBound: nil, stats: [:])
    }

    @Test func linesFollowTheFormat() {
        let lines = TextReport.render(sample()).split(separator: "\n").map(String.init)
        #expect(lines[0] == "Test x  kernel v5.10 -gup_fast_pgmap_check")
        #expect(lines[1] == "Executions 37 (DPOR), 0.01 s")
        #expect(lines[2] == "Violation use-after-free: 4 of 37 executions")
        #expect(lines[3] == "Observation x Sometimes 4 33")
        #expect(lines[4] == "Replay: mmsim replay scenarios/x.litmus --token v1.0000abcd.1C0")
        #expect(lines[5] == "expect violation use-after-free: holds")
    }

    @Test func everyLineIsUnder100Columns() {
        let long = String(repeating: "x", count: 300)
        let text = TextReport.render(sample(trace: [long, "T0      cpu0  short"]), verbose: true)
        for line in text.split(separator: "\n") { #expect(line.count < 100) }
    }

    @Test func summaryIsThePlainClosingLine() {
        var failing = sample()
        failing.expectations[0].holds = false
        #expect(TextReport.summary([sample(), failing]) == "1 passed, 1 failed\n")
    }

    @Test func jsonCarriesTheSameFacts() {
        let json = JSONReport.render([sample()])
        #expect(json.contains("\"use-after-free\""))
        #expect(json.contains("\"passed\" : 1"))
        #expect(json.contains("\"replayToken\" : \"v1.0000abcd.1C0\""))
    }
}
