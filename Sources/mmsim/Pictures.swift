import ArgumentParser
import Foundation
import MMReport
import MMScenario

/// `--dot FILE` and `--html FILE`: the race sketches as a Graphviz graph and as a
/// self-contained HTML page.
struct PictureOptions: ParsableArguments {
    @Option(name: .long, help: "Write the sketches' happens-before graphs (Graphviz dot) to FILE.")
    var dot: String?

    @Option(name: .long, help: "Write the sketches as a self-contained HTML page to FILE.")
    var html: String?

    /// Writes the files asked for; a file that cannot be written is one clear message and
    /// exit status 2.
    func write(_ reports: [TestReport]) throws {
        guard dot != nil || html != nil else { return }
        let entries = SketchList.entries(reports)
        if let dot { try save(SketchDot.render(entries), to: dot) }
        if let html {
            let title = reports.count == 1 ? "mmsim: \(reports[0].name)" : "mmsim sketches"
            try save(SketchHTML.render(entries, title: title), to: html)
        }
    }

    func save(_ text: String, to path: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            let message = "mmsim: cannot write \(path): \(error.localizedDescription)\n"
            FileHandle.standardError.write(message.data(using: .utf8)!)
            throw ExitCode(2)
        }
    }
}
