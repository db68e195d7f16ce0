import Foundation
import MMScenario

/// The same facts as the text report, as one JSON object for tools.
public enum JSONReport {
    /// The document: every test's report plus the pass/fail counts.
    public struct Document: Codable {
        /// One report per test, in the order run.
        public var tests: [TestReport]
        /// Tests whose expectations all hold.
        public var passed: Int
        /// Tests with an expectation that does not hold or an unexpected violation.
        public var failed: Int
        /// Tests whose exploration a budget stopped before an expectation was decided.
        public var inconclusive: Int
        /// Tests stopped by a failed setup step.
        public var setupErrors: Int
        /// Ctrl-C stopped the run: the reports are what was explored so far.
        public var interrupted: Bool?
        /// Tests not run because of Ctrl-C.
        public var notRun: Int?
    }

    /// Renders reports as a pretty-printed JSON document with sorted keys.
    public static func render(_ reports: [TestReport], interrupted: Bool = false,
                              notRun: Int = 0) -> String {
        func count(_ v: TestVerdict) -> Int { reports.filter { $0.verdict == v }.count }
        let doc = Document(tests: reports, passed: count(.passed), failed: count(.failed),
                           inconclusive: count(.inconclusive), setupErrors: count(.setupError),
                           interrupted: interrupted ? true : nil,
                           notRun: interrupted ? notRun : nil)
        return encode(doc)
    }

    /// Encodes any Codable value the same way.
    public static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(value), let text = String(data: data, encoding: .utf8)
        else { return "{}" }
        return text + "\n"
    }
}
