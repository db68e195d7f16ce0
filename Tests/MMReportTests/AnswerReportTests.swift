import Foundation
import Testing
@testable import MMReport
import MMScenario

/// Issue 13 in the text and JSON reports: States, witnesses, whole trace lines wrapped
/// (never cut), and a matrix that says when it did not explore everything.
@Suite struct AnswerReportTests {
    func sample() -> TestReport {
        var r = TestReport(
            file: "scenarios/x.litmus", name: "x", kernel: "v6.1", strategy: "DPOR",
            executions: 37, seconds: 0.01, complete: true, stopReason: nil, violations: [],
            observation: ObservationCount(outcome: "Sometimes", positive: 4, negative: 33),
            replayToken: nil,
            expectations: [ExpectationResult(line: "expect Sometimes", location: "x:9:1",
                                             holds: true)],
            firstViolationDetails: [], trace: [], log: [], pctBound: nil, stats: [:])
        r.states = [StateCount(values: ["T0:r=0", "T1:m=pmd"], executions: 4, condition: true),
                    StateCount(values: ["T0:r=1", "T1:m=pte"], executions: 33, condition: false)]
        let long = "T1      cpu1  " + Array(repeating: "percpu_ref_kill(pgmap0)", count: 8)
            .joined(separator: " ")
        r.witnesses = [Witness(role: "witness", condition: true, state: ["T0:r=0", "T1:m=pmd"],
                               token: "v1.0000abcd.1C0", violations: [],
                               trace: ["T0      cpu0  » r = load buf", long])]
        return r
    }

    @Test func statesAreHerdLinesWithCounts() {
        let lines = TextReport.render(sample()).split(separator: "\n").map(String.init)
        let at = try! #require(lines.firstIndex(of: "States 2"))
        #expect(lines[at + 1] == " 4 *> T0:r=0; T1:m=pmd;")
        #expect(lines[at + 2] == "33 :> T0:r=1; T1:m=pte;")
    }

    @Test func aWitnessGetsTheReplayLineAndItsTrace() {
        let text = TextReport.render(sample())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("Replay: mmsim replay scenarios/x.litmus --token v1.0000abcd.1C0"))
        #expect(lines.contains("Trace (witness: the condition holds, T0:r=0; T1:m=pmd;):"))
        #expect(lines.contains("  T0      cpu0  » r = load buf"))
        for line in lines { #expect(line.count < 100) }
        #expect(!text.contains("…"))
        // Wrapped, not cut: every word of the long trace line is there.
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        #expect(words.filter { $0 == "percpu_ref_kill(pgmap0)" }.count == 8)
    }

    @Test func aWitnessBesideAViolationHasItsOwnLine() {
        var r = sample()
        r.replayToken = "v1.0000abcd.0"
        r.violations = [ViolationCount(kind: "use-after-free", executions: 1)]
        let lines = TextReport.render(r).split(separator: "\n").map(String.init)
        #expect(lines.contains("Replay: mmsim replay scenarios/x.litmus --token v1.0000abcd.0"))
        #expect(lines.contains("Witness: mmsim replay scenarios/x.litmus --token v1.0000abcd.1C0"))
    }

    @Test func jsonCarriesStatesWitnessesAndWholeLines() throws {
        let json = JSONReport.render([sample()])
        #expect(json.contains("\"states\""))
        #expect(json.contains("\"T1:m=pmd\""))
        #expect(json.contains("\"token\" : \"v1.0000abcd.1C0\""))
        #expect(!json.contains("…"))
        let doc = try JSONDecoder().decode(JSONReport.Document.self, from: Data(json.utf8))
        #expect(doc.tests[0].witnesses[0].trace[1] == sample().witnesses[0].trace[1])
    }

    @Test func wrapBreaksAtSpacesAndKeepsEverything() {
        let s = String(repeating: "word ", count: 60) + String(repeating: "x", count: 150)
        let lines = TextReport.wrap(s, indent: 4)
        #expect(lines.allSatisfy { $0.count < 100 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("    ") })
        #expect(lines.joined().filter { $0 == "x" }.count == 150)
        #expect(lines.joined().components(separatedBy: "word").count - 1 == 60)
    }

    func report(complete: Bool, refusals: [String] = []) -> TestReport {
        var r = sample()
        r.complete = complete
        r.stopReason = complete ? nil : "max-executions"
        r.refusals = refusals
        return r
    }

    @Test func matrixSaysWhenCellsStoppedEarly() {
        let table = MatrixReport.Table(test: "x", file: "x.litmus", cells: [
            MatrixReport.Cell(era: "v5.10", knobs: "", report: report(complete: true),
                              ownRefusals: []),
            MatrixReport.Cell(era: "v6.1", knobs: "", report: report(complete: false),
                              ownRefusals: []),
        ])
        let text = MatrixReport.render(table)
        #expect(!text.contains("every cell explored"))
        #expect(text.contains("1 of 2 cells stopped early by max-executions"))
        #expect(text.contains("37+"))
        let all = MatrixReport.Table(test: "x", file: "x.litmus", cells: [table.cells[0]])
        #expect(MatrixReport.render(all).contains("every cell explored"))
    }

    @Test func matrixCellThatDidNotRunSaysSo() {
        let refused = "T0 line 9: p = gup a pages=1 pin write => -EINVAL"
        let cell =
            MatrixReport.Cell(era: "v4.4", knobs: "",
                              report: report(complete: true, refusals: [refused]),
                                     ownRefusals: [])
        #expect(!cell.ran)
        #expect(cell.verdict == "did not run: " + refused)
        // What the file's own kernel refuses too is the test's business.
        let own =
            MatrixReport.Cell(era: "v6.1", knobs: "",
                              report: report(complete: true, refusals: [refused]),
                                    ownRefusals: [refused])
        #expect(own.ran && own.verdict == "pass, Sometimes 4/37")
        let text =
            MatrixReport.render(MatrixReport.Table(test: "x", file: "x.litmus", cells: [cell, own]))
        #expect(text.contains("1 of 2 cells did not really run"))
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("v4.4")
                                                       && $0.contains("pass") })
    }

    /// A failed setup step (wip-traps) is one more way for a cell not to run: it says so,
    /// with where and why, ahead of any refusal it caused.
    @Test func matrixCellWithASetupErrorDidNotRun() {
        var r = report(complete: true,
                       refusals: ["init line 3: pmem pm0 size=16M map=mem => -EOPNOTSUPP"])
        r.setupError = "x.litmus:3:5: setup error: `pmem pm0 size=16M map=mem` returned "
            + "-EOPNOTSUPP under v4.4; the test needs it"
        r.kernel = "v4.4"
        r.judge()
        let cell = MatrixReport.Cell(era: "v4.4", knobs: "", report: r, ownRefusals: [])
        #expect(!cell.ran)
        #expect(cell.setupError == r.setupError)
        #expect(cell.verdict == "did not run: setup error at 3:5: `pmem` returned -EOPNOTSUPP")
        let text =
            MatrixReport.render(MatrixReport.Table(test: "x", file: "x.litmus", cells: [cell]))
        #expect(text.contains("1 of 1 cells did not really run: a setup step failed"))
    }
}

/// Traces in text: set-up and teardown hidden, repeats collapsed, the legend under 100 columns.
@Suite struct TraceShorteningTests {
    @Test func initAndFinallyAreHiddenUnlessTheyHoldAViolation() {
        let trace = ["init    cpu0  » main: buf = mmap anon len=4K",
                     "T0      cpu0  » r = load buf",
                     "finally cpu0  !! refcount-leak: pfn 0x1000 ref 2",
                     "finally cpu0  put_page pfn 0x1000 ref 1 -> 0"]
        let lines = TextReport.tail(trace, verbose: false, limit: 60)
        #expect(lines == ["  (init/finally lines not shown; --verbose shows all)",
                          "  T0      cpu0  » r = load buf",
                          "  finally cpu0  !! refcount-leak: pfn 0x1000 ref 2"])
        #expect(TextReport.tail(trace, verbose: true, limit: 60).count == 4)
    }

    @Test func perPageRepeatsCollapse() {
        var trace: [String] = []
        for i in 0..<16 {
            trace.append("T0      cpu0  spin_lock ptl[3]")
            trace.append("T0      cpu0  do_anonymous_page pte[3:\(i)] none -> P RW U A D pfn "
                         + "0x\(String(0x1004 + i, radix: 16))")
            trace.append("T0      cpu0  spin_unlock ptl[3]")
        }
        trace.append("T1      cpu1  » r = munmap buf len=64K")
        let (collapsed, folded) = TextReport.collapseRepeats(trace)
        #expect(folded == 45)
        #expect(collapsed.count == 5)
        #expect(collapsed[3]
                == "T0      cpu0  × 16: the 3 lines above again for 15 more (other pages/entries)")
        #expect(collapsed[4] == trace.last)
        // Lines of different threads never fold together.
        let mixed = ["T0      cpu0  load pfn 0x1", "T1      cpu1  load pfn 0x2",
                     "T2      cpu2  load pfn 0x3", "T1      cpu1  load pfn 0x4"]
        #expect(TextReport.collapseRepeats(mixed).1 == 0)
    }

    @Test func legendFitsAnEmail() {
        for line in TextReport.legend.split(separator: "\n") { #expect(line.count < 100) }
    }
}
