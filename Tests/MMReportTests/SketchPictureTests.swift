import Foundation
import Testing
@testable import MMReport
import MMScenario

/// Issue 13 item 5, pictures: the sketch's happens-before graph as Graphviz dot and the
/// sketch as a self-contained HTML page, rendered in headless Chromium when it is
/// installed (scripts/install-chromium.sh installs it and graphviz).
@Suite struct SketchPictureTests {
    /// The seed race whose pictures are checked, reported as `mmsim check` does.
    static let race: TestReport? = try? RaceSketchTests.report(
        RaceSketchTests.root + "/scenarios/seeds/c2-2-ttm-gup-fast-vs-free-race.litmus")

    static func entries() throws -> [SketchList.Entry] {
        let r = try #require(race)
        return SketchList.entries([r])
    }

    /// The path of an executable on PATH, if any.
    static func tool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `tool` with `arguments`; its exit status and standard error.
    static func run(_ tool: String,
                    _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = arguments
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func dotHasANodePerNoteAndTheRaceEdges() throws {
        let entries = try Self.entries()
        let sketch = try #require(entries.first?.sketch)
        let dot = SketchDot.render(entries)
        #expect(dot.hasPrefix("digraph mmsim {"))
        let nodes = dot.split(separator: "\n").filter { $0.contains("[label=") }
        #expect(nodes.count == entries.reduce(0) { $0 + $1.sketch.rows.count })
        let red = dot.split(separator: "\n").filter { $0.contains("color=red") }
        #expect(red.count == entries.reduce(0) { $0 + $1.sketch.edges.count })
        #expect(!sketch.edges.isEmpty)
        // The violating note is filled red.
        #expect(nodes.contains { $0.contains("!! recycled-while-referenced")
                                && $0.contains("#ff9999") })
    }

    @Test(.enabled(if: tool("dot") != nil,
                   "graphviz's dot is not installed (scripts/install-chromium.sh installs it)"))
    func graphvizAcceptsTheGraph() throws {
        let dir =
            FileManager.default.temporaryDirectory.appendingPathComponent("mmsim-dot-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("race.dot").path
        try SketchDot.render(try Self.entries()).write(toFile: file, atomically: true,
                                                       encoding: .utf8)
        let svg = dir.appendingPathComponent("race.svg").path
        let r = try Self.run(Self.tool("dot")!, ["-Tsvg", "-o", svg, file])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.contains("recycled"))  // dot writes "-" as &#45;
    }

    @Test func htmlIsSelfContainedAndMarksTheRace() throws {
        let html = SketchHTML.render(try Self.entries())
        for outside in ["http://", "https://", "src=", "<link", "@import", "url("] {
            #expect(!html.contains(outside), "the page loads nothing: \(outside)")
        }
        #expect(html.contains("<td class=\"focus\">!! recycled-while-referenced"))
        #expect(html.contains("class=\"irq\""))
        #expect(html.contains("class=\"lock\""))
        #expect(html.contains("<th>T0 cpu0</th><th>T1 cpu1</th>"))
    }

    /// A screenshot of `html` by headless Chromium and what it logged.
    static func screenshot(_ chromium: String, html: String, in dir: URL, name: String) throws
        -> (png: Data, log: String, status: Int32) {
        let page = dir.appendingPathComponent(name + ".html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let png = dir.appendingPathComponent(name + ".png")
        let r = try run(chromium, [
            "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--user-data-dir=" + dir.appendingPathComponent("profile-" + name).path,
            "--enable-logging=stderr", "--v=0", "--window-size=1400,1000",
            "--screenshot=" + png.path, page.absoluteString])
        return ((try? Data(contentsOf: png)) ?? Data(), r.stderr, r.status)
    }

    /// Console errors in a Chromium log.
    static func consoleErrors(_ log: String) -> [String] {
        log.split(separator: "\n").map(String.init)
            .filter { $0.contains("Uncaught") || $0.contains(":CONSOLE") }
    }

    @Test(.enabled(if: tool("chromium") != nil,
                   "chromium is not installed (scripts/install-chromium.sh installs it)"))
    func chromiumRendersTheRace() throws {
        let chromium = Self.tool("chromium")!
        let dir =
            FileManager.default.temporaryDirectory.appendingPathComponent("mmsim-html-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let race = try Self.screenshot(chromium, html: SketchHTML.render(try Self.entries()),
                                       in: dir, name: "race")
        #expect(race.status == 0, "\(race.log)")
        #expect(Self.consoleErrors(race.log).isEmpty, "\(Self.consoleErrors(race.log))")
        // Non-blank: far more to compress than a blank page of the same size.
        let blank = try Self.screenshot(chromium, html: "<!DOCTYPE html><html><body></body></html>",
                                        in: dir, name: "blank")
        #expect(race.png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(blank.png.count > 0)
        #expect(race.png.count > 4 * blank.png.count,
                "race \(race.png.count) bytes, blank \(blank.png.count) bytes")
        // The console check sees errors: a page that throws is caught.
        let bad = try Self.screenshot(chromium, html: "<script>throw new Error('boom')</script>",
                                      in: dir, name: "bad")
        #expect(!Self.consoleErrors(bad.log).isEmpty, "\(bad.log)")
    }
}
