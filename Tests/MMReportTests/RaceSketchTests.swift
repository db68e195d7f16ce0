import Foundation
import MMExplore
import MMTestSupport
import Testing
@testable import MMReport
@testable import MMScenario

/// Issue 13 item 1, the race sketch: the default answer for a violation and for a witness
/// fits an email (at most 40 lines, under 100 columns) for every bundled seed test, and it
/// shows the step it explains.
@Suite struct RaceSketchTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let seeds: [String] = {
        let dir = root + "/scenarios/seeds"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { $0.hasSuffix(".litmus") }.sorted().map { dir + "/" + $0 }
    }()

    /// The report of a bundled test explored as `mmsim check` does by default: by the fresh
    /// release binary when there is one (its --json is the whole report; the audit of every
    /// bundled test runs in ScenarioExpectationTests), else in-process (minutes in debug).
    static func report(_ path: String) throws -> TestReport {
        if ReleaseBinary.fresh != nil {
            let json = try ReleaseBinary.checkJSON(path, audit: false)
            let doc = try JSONDecoder().decode(JSONReport.Document.self, from: Data(json.utf8))
            return try #require(doc.tests.first, "\(path): no report")
        }
        let source = try String(contentsOfFile: path, encoding: .utf8)
        let loaded = try ScenarioRunner.load(source: source, file: path)
        return ScenarioRunner.run(loaded, options: ExploreOptions(strategy: .dpor))
    }

    /// The sketches of a text report: each from its title to the next unindented line.
    static func sketches(_ text: String) -> [[String]] {
        var out: [[String]] = []
        var open = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.contains(" sketch (") && !line.hasPrefix(" ") {
                out.append([line])
                open = true
            } else if open && line.hasPrefix(" ") {
                out[out.count - 1].append(line)
            } else {
                open = false
            }
        }
        return out
    }

    @Test func theSeedsAreThere() {
        #expect(Self.seeds.count >= 20)
    }

    @Test(arguments: seeds)
    func everySeedSketchFitsAnEmail(path: String) throws {
        let r = try Self.report(path)
        let text = TextReport.render(r)
        let sketches = Self.sketches(text)
        // A sketch for the violation and for each witness or counterexample.
        let expected = (r.sketch != nil && r.replayToken != nil ? 1 : 0)
            + r.witnesses.filter { $0.sketch != nil && $0.token != r.replayToken }.count
        #expect(sketches.count == expected, "\(path)")
        for s in sketches {
            #expect(s.count <= 40, "\(path): a sketch of \(s.count) lines")
            for line in s { #expect(line.count < 100, "\(path): \(line)") }
        }
        if r.replayToken != nil, let sketch = r.sketch {
            // The violating step is there, marked, and shown in the text.
            let focus = try #require(sketch.rows.first(where: { $0.focus }))
            #expect(focus.text.hasPrefix("!! "))
            let first = try #require(sketches.first)
            #expect(first.contains { $0.contains("!! ") })
        }
    }

    @Test func aViolationSketchKeepsTheRacingThreadsAndDropsWhatFollows() throws {
        let r = try Self.report(Self.root
                                + "/scenarios/seeds/c2-2-ttm-gup-fast-vs-free-race.litmus")
        let sketch = try #require(r.sketch)
        #expect(Set(sketch.lanes.map(\.name)) == ["T0", "T1"])
        #expect(sketch.keptSteps < sketch.totalSteps)
        // Nothing after the violating step but the rest of that step's own notes.
        let focus = try #require(sketch.rows.firstIndex(where: { $0.focus }))
        #expect(sketch.rows[focus...].allSatisfy { $0.step == sketch.rows[focus].step })
        // The race: T0's grab happens before T1's free (an edge across the lanes).
        #expect(sketch.edges.contains { sketch.rows[$0.from].lane != sketch.rows[$0.to].lane })
        // gup-fast's IRQ-off span is folded into its note's context.
        #expect(sketch.rows.contains { $0.held == ["irq-off"] && $0.text.hasPrefix("try_grab") })
        #expect(!sketch.rows.contains { $0.text.hasPrefix("local_irq") })
        // --verbose keeps the whole trace instead.
        let verbose = TextReport.render(r, verbose: true)
        #expect(verbose.contains("local_irq_save"))
        #expect(!verbose.contains("Race sketch"))
        // The same facts in JSON.
        #expect(JSONReport.render([r]).contains("\"focus\" : \"violation\""))
    }

    @Test func repeatedPerPageStepsAreCollapsed() {
        func row(_ text: String, _ step: Int) -> RaceSketch.Row {
            RaceSketch.Row(lane: 0, text: text, step: step, held: ["ptl[2]"], statement: false,
                           focus: false, repeats: 1, blockLength: 1)
        }
        let rows = (0..<16).map {
            row("try_grab_page pfn 0x\(String(0x1200 + $0, radix: 16)) ref 1 -> 2", $0)
        }
        let out = SketchBuilder.collapse(rows + [row("put_page pfn 0x1 ref 2 -> 1", 99)])
        #expect(out.count == 2)
        #expect(out[0].repeats == 16 && out[0].blockLength == 1)
        let sketch = RaceSketch(focus: .violation, lanes: [.init(name: "T0", cpu: "cpu0")],
                                rows: out, edges: [], totalSteps: 17, keptSteps: 17)
        let text = SketchText.render(sketch, title: "t")
        #expect(text.contains { $0.hasSuffix("× 16 pages") })
    }

    @Test func lockNotesBecomeContext() {
        var held: [String] = []
        #expect(LockNotes.apply("down_write mmap_lock(mm1)", to: &held))
        #expect(LockNotes.apply("spin_lock ptl[3]", to: &held))
        #expect(held == ["mmap_lock(mm1)", "ptl[3]"])
        #expect(!LockNotes.apply("pmdp_huge_get_and_clear_full pmd[3:511]", to: &held))
        #expect(LockNotes.apply("spin_unlock ptl[3]", to: &held))
        #expect(LockNotes.apply("local_irq_save (cpu0 irqs off)", to: &held))
        #expect(LockNotes.apply("local_irq_restore (cpu0 irqs on)", to: &held))
        #expect(held == ["mmap_lock(mm1)"])
    }
}
