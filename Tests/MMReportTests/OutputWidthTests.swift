import Foundation
import MMTestSupport
import Testing
@testable import MMReport

/// Issue 13 (answers a kernel developer can paste) and the output standard: every line
/// mmsim prints — help, reports, sketches, traces, tables — is under 100 columns, and a
/// token still replays after the test is re-indented and commented as mail does to it.
/// These run the release binary the CI builds first (`swift run -c release mmsim check
/// scenarios`), so the text is exactly what a user sees.
@Suite(.enabled(if: ReleaseBinary.fresh != nil, "needs a release build newer than Sources/"))
struct OutputWidthTests {
    static let subcommands = ["run", "check", "replay", "matrix", "gup-matrix", "entries",
                              "knobs", "bench", "bench faults", "bench explore", "oracle",
                              "merge"]

    static let commands: [[String]] =
        [["--help"]]
            + subcommands.map { $0.split(separator: " ").map(String.init) + ["--help"] } + [
            ["check", "scenarios/seeds"],
            ["check", "scenarios/history", "scenarios/hugetlb"],
            ["check", "scenarios/seeds/c3-1-gupfast-vs-unbind-no-pgmap-check.litmus", "--verbose",
             "--stats"],
            ["run", "scenarios/seeds", "--verbose", "--stats"],
            ["matrix", "scenarios/seeds/c3-1-gupfast-vs-unbind-no-pgmap-check.litmus",
             "--eras", "v5.10,v6.1"],
            ["matrix", "scenarios/seeds/c0-1-pageless-dax-gup-efault.litmus"],
            ["knobs"], ["entries"], ["gup-matrix"],
        ]

    /// The lines of `text` that reach 100 columns.
    static func tooWide(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { $0.count >= 100 }
    }

    @Test(arguments: commands)
    func everyLineIsUnder100Columns(arguments: [String]) throws {
        let out = try ReleaseBinary.run(arguments)
        #expect(!out.isEmpty, "mmsim \(arguments.joined(separator: " ")) printed nothing")
        #expect(Self.tooWide(out) == [], "mmsim \(arguments.joined(separator: " "))")
    }

    /// The tokens `check --json` gives for the seed tests: the first violation's and every
    /// witness's or counterexample's.
    static func seedTokens() throws -> [(file: String, token: String)] {
        let json = try ReleaseBinary.run(["check", "scenarios/seeds", "--json"])
        let doc = try JSONDecoder().decode(JSONReport.Document.self, from: Data(json.utf8))
        return doc.tests.flatMap { t -> [(file: String, token: String)] in
            let tokens = (t.replayToken.map { [$0] } ?? []) + t.witnesses.map(\.token)
            return Set(tokens).sorted().map { (t.file, $0) }
        }
    }

    @Test func replayOfEverySeedTokenPrintsASketchUnder100ColumnsAfterReindenting() throws {
        let tokens = try Self.seedTokens()
        #expect(tokens.count >= 20)
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("mmsim-reindent-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var witnessSketches = 0
        for (file, token) in tokens {
            // As pasted from a mail: every line indented differently, comments added.
            let source =
                try String(contentsOfFile: ReleaseBinary.root + "/" + file, encoding: .utf8)
            let pasted = "# quoted from the thread\n" + source.split(separator: "\n",
                omittingEmptySubsequences: false).map { line in
                    line.hasPrefix("  ") ? "\t" + line.drop(while: { $0 == " " }) : String(line)
                }.joined(separator: "\n") + "\n# end of quote\n"
            let copy = dir.appendingPathComponent((file as NSString).lastPathComponent).path
            try pasted.write(toFile: copy, atomically: true, encoding: .utf8)
            let out = try ReleaseBinary.run(["replay", copy, "--token", token])
            #expect(out.contains("Replay \(token)"), "\(file) \(token): not replayed")
            #expect(out.contains(" sketch ("), "\(file) \(token): no sketch")
            #expect(Self.tooWide(out) == [], "\(file) \(token)")
            if out.contains("Witness sketch (the condition holds)") { witnessSketches += 1 }
            let verbose = try ReleaseBinary.run(["replay", copy, "--token", token, "--verbose"])
            #expect(verbose.contains("Trace:"), "\(file) \(token): --verbose has no trace")
            #expect(Self.tooWide(verbose) == [], "\(file) \(token) --verbose")
        }
        #expect(witnessSketches >= 5)
    }
}
