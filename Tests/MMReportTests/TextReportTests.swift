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

    /// A budget-stopped test prints why, marks undecided expectations INCONCLUSIVE and is
    /// counted apart in the summary and the JSON document.
    @Test func inconclusiveIsReportedApart() {
        var r = sample()
        r.violations = []
        r.complete = false
        r.stopReason = "timeout"
        r.expectations = [ExpectationResult(line: "expect pass", location: "x:9:1", holds: false,
                                            inconclusive: true)]
        r.judge()
        let text = TextReport.render(r)
        #expect(text.contains("Executions 37 (DPOR), 0.01 s  [incomplete: timeout]\n"
                              + "Stopped: --timeout passed; 37 complete executions counted\n"))
        #expect(text.contains("expect pass: INCONCLUSIVE (exploration stopped: timeout)"))
        #expect(TextReport.summary([r, sample()]) == "1 passed, 0 failed, 1 inconclusive\n")
        let json = JSONReport.render([r])
        #expect(json.contains("\"status\" : \"inconclusive\""))
        #expect(json.contains("\"inconclusive\" : 1"))
    }

    /// A setup error is printed first, wrapped under 100 columns; expectations are not
    /// judged.
    @Test func setupErrorIsItsOwnLine() {
        var r = sample()
        r.setupError = "scenarios/x.litmus:6:3: setup error: `pmem pm0 size=16M "
            + "mode=devdax map=mem` returned -EOPNOTSUPP under v4.4; the test needs it"
        r.judge()
        let text = TextReport.render(r)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("scenarios/x.litmus:6:3: setup error: `pmem pm0"))
        #expect(lines[2].hasPrefix("  ") && lines[2].hasSuffix("v4.4; the test needs it"))
        #expect(text.contains("expect violation use-after-free: not judged (setup error)"))
        for line in lines { #expect(line.count < 100) }
        #expect(TextReport.summary([r]) == "0 passed, 0 failed, 1 setup error\n")
        let json = JSONReport.render([r])
        #expect(json.contains("\"status\" : \"setup-error\""))
        #expect(json.contains("\"setupErrors\" : 1"))
    }

    /// A violation no expect line names fails the test and says so.
    @Test func unexpectedViolationIsPrinted() {
        var r = sample()
        r.expectations = []
        r.unexpectedViolations = ["use-after-free"]
        r.judge()
        #expect(TextReport.render(r).contains(
            "Unexpected violation use-after-free: no expect line names it (test fails)"))
        #expect(TextReport.summary([r]) == "0 passed, 1 failed\n")
        #expect(JSONReport.render([r]).contains("\"failed\" : 1"))
    }
}

/// Issue 12: what a deepened or budget-stopped report says it covered.
@Suite struct CoverageWordingTests {
    func report(complete: Bool, upTo: Int?) -> TestReport {
        var r = TestReport(
            file: "x.litmus", name: "x", kernel: "v6.1", strategy: "DPOR, preemptions <= 2",
            executions: 12, seconds: 1, complete: complete, stopReason: complete ? nil : "timeout",
            violations: [], observation: nil, replayToken: nil,
            expectations: [ExpectationResult(line: "expect pass", location: "x.litmus:9:1",
                                             holds: complete, inconclusive: !complete)],
            firstViolationDetails: [], trace: [], log: [], pctBound: nil, stats: [:])
        r.completeUpToPreemptions = upTo
        r.redundant = 3
        r.judge()
        return r
    }

    @Test func completeBoundedRunSaysItsBound() {
        let text = TextReport.render(report(complete: true, upTo: 2))
        #expect(text.contains("Executions 12 (DPOR, preemptions <= 2), 1.00 s; 3 redundant runs\n"))
        #expect(text.contains("Complete up to 2 preemptions (not beyond)\n"))
        #expect(report(complete: true, upTo: 2).verdict == .passed)
    }

    @Test func stoppedRunSaysHowFarItGotAndIsInconclusive() {
        let r = report(complete: false, upTo: 1)
        let text = TextReport.render(r)
        #expect(text.contains("Stopped: --timeout passed; complete up to 1 preemption; "
                              + "12 complete executions counted\n"))
        #expect(text.contains("expect pass: INCONCLUSIVE (exploration stopped: timeout)"))
        #expect(r.verdict == .inconclusive)
    }
}
