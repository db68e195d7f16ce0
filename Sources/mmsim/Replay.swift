import ArgumentParser
import MMReport
import MMScenario

/// `mmsim replay`: re-run exactly the execution a token names and print its full trace.
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run the execution a replay token names and print its full trace.")

    @Argument(help: "The test file the token came from.")
    var file: String

    @Option(name: .long, help: "The token printed after 'Replay:'.")
    var token: String

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    struct Result: Codable {
        var file: String
        var token: String
        var violations: [String]
        var condition: Bool?
        var details: [String]
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
                            condition: r.outcome.condition, details: r.details, trace: r.trace)
        if json {
            emit(JSONReport.encode(result))
            return
        }
        emit("Test \(loaded.test.name)  kernel \(loaded.test.kernelConfig)\n")
        emit("Replay \(token)\n")
        emit("Violations: " + (result.violations.isEmpty ? "none" : result.violations.joined(separator: ", ")) + "\n")
        if let c = result.condition { emit("Condition: \(c)\n") }
        for d in result.details { emit("  \(d)\n") }
        emit("Trace:\n" + TextReport.renderTrace(result.trace) + "\n" + TextReport.legend)
    }
}
