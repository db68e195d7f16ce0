import ArgumentParser
import MMReport
import MMScenario

/// `mmsim replay`: re-run exactly the execution a token names and print its race sketch
/// (its full trace with `--verbose`).
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run the execution a replay token names and print its race sketch.",
        discussion: """
            The sketch is the one `mmsim check` prints: for a violation, the steps that \
            happen before the first violating step; for a witness or counterexample of the \
            condition, the steps that happen before the final state of the threads it names. \
            --verbose prints every step of the execution instead.
            """)

    @Argument(help: "The test file the token came from.")
    var file: String

    @Option(name: .long, help: "The token printed after 'Replay:' or 'Witness:'.")
    var token: String

    @Flag(name: .long, help: "Print the whole trace instead of the race sketch.")
    var verbose = false

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    /// The JSON document: the same facts as the text.
    struct Result: Codable {
        var file: String
        var token: String
        var violations: [String]
        var condition: Bool?
        var state: [String]
        var details: [String]
        var sketch: RaceSketch?
        var trace: [String]
    }

    func run() throws {
        let loaded = try Loading.loadAll([file])[0]
        guard let r = ScenarioRunner.replay(loaded, token: token) else {
            printError("\(file): error: token \(token) is malformed or was made for another "
                       + "version of this test")
            throw ExitCode(2)
        }
        let result = Result(file: file, token: token, violations: r.outcome.violations.map(\.name),
                            condition: r.outcome.condition, state: r.outcome.state,
                            details: r.details, sketch: r.sketch, trace: r.trace)
        if json {
            emit(JSONReport.encode(result))
            return
        }
        var out = ["Test \(loaded.test.name)  kernel \(loaded.test.kernelConfig)",
                   "Replay \(token)",
                   "Violations: " + (result.violations.isEmpty ? "none"
                                     : result.violations.joined(separator: ", "))]
        if let c = result.condition {
            out += TextReport.wrap("Condition: \(c)" + (result.state.isEmpty ? ""
                : ", " + result.state.map { $0 + ";" }.joined(separator: " ")), indent: 2)
        }
        out += result.details.flatMap { TextReport.wrap("  " + $0, indent: 4) }
        if !verbose, let sketch = r.sketch {
            let what = sketch.focus == .violation ? "Race sketch (first violation)"
                : result.condition == true ? "Witness sketch (the condition holds)"
                : "Counterexample sketch (the condition fails)"
            out += SketchText.render(sketch, title: SketchText.title(sketch, what: what))
        } else {
            out.append("Trace:")
            out.append(TextReport.renderTrace(result.trace))
        }
        emit(out.joined(separator: "\n") + "\n" + TextReport.legend)
    }
}
