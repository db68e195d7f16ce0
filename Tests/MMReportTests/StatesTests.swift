import Foundation
import MMExplore
import MMTestSupport
import Testing
@testable import MMReport
@testable import MMScenario

/// Issue 13 item 3, herd-style States for a three-thread test (`SampleTests.threeThreads`),
/// in text and JSON, against a set derived by hand: its 4 Mazurkiewicz classes end in 4
/// distinct final states, so an exploration that is sound and runs no class twice reports
/// every state once.
@Suite struct StatesTests {
    static let source = SampleTests.threeThreads

    /// The hand-derived States: each state, whether the condition holds in it, and how many
    /// executions end in it.
    static let expected: [String: (condition: Bool, executions: Int)] = [
        "T1:a=1; T2:b=1;": (false, 1),
        "T1:a=1; T2:b=42;": (false, 1),
        "T1:a=42; T2:b=1;": (true, 1),
        "T1:a=42; T2:b=42;": (false, 1),
    ]

    static func report() throws -> TestReport {
        let loaded = try ScenarioRunner.load(source: source, file: "three.litmus")
        return ScenarioRunner.run(loaded, options: ExploreOptions(strategy: .dpor))
    }

    @Test func textListsTheFourStatesWithTheirCounts() throws {
        let r = try Self.report()
        #expect(r.executions == 4)
        let lines = TextReport.render(r).split(separator: "\n").map(String.init)
        let at = try #require(lines.firstIndex(of: "States 4"))
        let listed = Set(lines[(at + 1)...(at + 4)])
        let wanted = Set(Self.expected.map { state, v in
            "\(v.executions) \(v.condition ? "*>" : ":>") \(state)"
        })
        #expect(listed == wanted)
        #expect(lines.contains("Observation three-threads Sometimes 1 3"))
    }

    @Test func jsonCarriesTheSameStates() throws {
        let json = JSONReport.render([try Self.report()])
        let doc = try JSONDecoder().decode(JSONReport.Document.self, from: Data(json.utf8))
        let states = try #require(doc.tests.first?.states)
        #expect(states.count == 4)
        for s in states {
            let want = try #require(Self.expected[s.text], "unexpected state \(s.text)")
            #expect(s.executions == want.executions)
            #expect(s.condition == want.condition)
            #expect(s.values.count == 2)
        }
    }

    @Test func theWitnessSketchShowsTheValuesThatMakeTheState() throws {
        let r = try Self.report()
        let w = try #require(r.witnesses.first)
        #expect(w.state == ["T1:a=42", "T2:b=1"])
        let text = TextReport.render(r)
        // The sketch shows the store and both loads with the values they saw.
        #expect(text.contains("store 0x7efffffff000 := 42"))
        #expect(text.contains("load 0x7efffffff000 -> 42"))
        #expect(text.contains("load 0x7efffffff000 -> 1"))
    }
}
