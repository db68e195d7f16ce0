import Foundation
import MMTestSupport
import MMExplore
import Testing
@testable import MMScenario

/// Every bundled scenario's expect lines hold under exploration (what `mmsim check
/// scenarios` runs), and under a sequential run where the test has a single thread.
@Suite struct ScenarioExpectationTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let files: [String] = {
        let dir = root + "/scenarios"
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".litmus") }.sorted()
    }()

    @Test func thereAreBundledScenarios() {
        #expect(Self.files.filter { $0.hasPrefix("basics/") }.count >= 15)
    }

    @Test(arguments: files) func expectationsHold(file: String) throws {
        let path = Self.root + "/scenarios/" + file
        let source = try String(contentsOfFile: path, encoding: .utf8)
        let loaded = try ScenarioRunner.load(source: source, file: "scenarios/" + file)
        #expect(!loaded.test.expectations.isEmpty, "\(file) has no expect line")
        // A bundled scenario must explore completely within this budget: a scenario whose
        // racing section grew too large fails here instead of hanging the suite. It runs in
        // the fresh release binary when there is one (with the audit on, MMSIM_AUDIT=1),
        // else in-process (a debug build: the audit is on by default).
        let report: ReleaseBinary.Report
        if ReleaseBinary.fresh != nil {
            report = try ReleaseBinary.check(path, maxExecutions: 20_000)
        } else {
            let r = ScenarioRunner.run(loaded, options: ExploreOptions(strategy: .dpor,
                                                                       maxExecutions: 20_000))
            report = ReleaseBinary.Report(
                complete: r.complete, executions: r.executions,
                violations: r.violations.map { .init(kind: $0.kind, executions: $0.executions) },
                internalErrorExecutions: r.internalErrorExecutions,
                internalErrors: r.internalErrors,
                firstViolationDetails: r.firstViolationDetails,
                unexpectedViolations: r.unexpectedViolations, setupError: r.setupError,
                expectations: r.expectations.map { .init(line: $0.line, holds: $0.holds) })
        }
        #expect(report.complete, "\(file) did not finish exploring within 20,000 executions")
        // The audit found no access outside its step's footprint, and the model broke
        // none of its own invariants.
        let internalErrors = report.internalErrors.joined(separator: "; ")
        let errorCount = report.internalErrorExecutions
        #expect(report.internalErrorExecutions == 0,
                "\(file): internal errors in \(errorCount) executions: \(internalErrors)")
        #expect(report.unexpectedViolations.isEmpty,
                "\(file): violations no expect line names: \(report.unexpectedViolations)")
        #expect(report.setupError == nil, "\(file): \(report.setupError ?? "")")
        for e in report.expectations {
            let seen = report.violations.map { "\($0.kind) \($0.executions)" }
            #expect(e.holds, "\(file): \(e.line) does not hold: \(seen)")
        }
    }
}
