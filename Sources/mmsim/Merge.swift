import ArgumentParser
import Foundation
import MMExplore
import MMReport
import MMScenario

/// `check --shard i/N --output PART.json`: explores one shard of one test and writes it.
enum ShardCommand {
    static func run(_ tests: [ScenarioRunner.Loaded], options: ExploreOptions, shard: Shard,
                    output: String, json: Bool) throws {
        guard tests.count == 1, let t = tests.first else {
            throw ValidationError("--shard explores one test file; \(tests.count) were given")
        }
        CtrlC.install()
        let r = ScenarioRunner.runShard(t, options: CtrlC.watching(options), shard: shard)
        do {
            try JSONReport.encode(r).write(toFile: output, atomically: true, encoding: .utf8)
        } catch {
            throw ValidationError("cannot write \(output): \(error.localizedDescription)")
        }
        let parts = r.parts.map { String($0.index) }.joined(separator: ",")
        let executions = r.parts.map(\.executions).reduce(0, +)
        let line = "Shard \(shard) of \(t.test.name): parts [\(parts)] of \(r.partCount), "
            + "\(executions) executions, \(String(format: "%.2f", r.seconds)) s"
            + (r.stopReason.map { "  [incomplete: \($0)]" } ?? "") + " -> \(output)"
        if !json { emit(line + "\n") } else { emit(JSONReport.encode(r)) }
        if CtrlC.pressed { throw ExitCode(130) }
        if r.stopReason != nil { throw ExitCode(ExitStatus.inconclusive) }
    }
}

/// `mmsim merge`: the report of one test from every shard's partial result.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the PART.json files of `check FILE --shard i/N --output PART.json` "
            + "into the report one `check FILE` prints.")

    @Argument(help: "Every shard's PART.json, in any order.")
    var parts: [String]

    @Option(name: .long, help: ArgumentHelp(
        "The test file, when not at the path the shards recorded.", valueName: "FILE"))
    var test: String?

    @Flag(name: .long, help: "Print the full trace and statement log.")
    var verbose = false

    @Flag(name: .long, help: "Print the model's counters.")
    var stats = false

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    func run() throws {
        var shards: [ShardResult] = []
        for path in parts {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("\(path): cannot read")
            }
            do {
                shards.append(try JSONDecoder().decode(ShardResult.self, from: data))
            } catch {
                throw ValidationError("\(path): not a shard file of `mmsim check --shard`")
            }
        }
        let files = Set(shards.map(\.file))
        guard let file = test ?? (files.count == 1 ? files.first : nil) else {
            throw ValidationError("the shards name different test files "
                                  + "(\(files.sorted().joined(separator: ", "))); pass --test FILE")
        }
        let loaded = try Loading.loadAll([file])
        guard loaded.count == 1 else { throw ValidationError("\(file): not one test file") }
        var options = ExploreOptions(strategy: .dpor, preemptionBound: shards.first?.preemptions)
        if shards.first?.strategy.hasPrefix("naive") == true { options.strategy = .naive }
        let report: TestReport
        do {
            report = try ScenarioRunner.merge(shards, loaded: loaded[0], options: options,
                                              verbose: verbose)
        } catch let e as MergeError {
            printError("mmsim merge: " + e.description)
            throw ExitCode(2)
        }
        try Output.finish([report], json: json, verbose: verbose, stats: stats)
    }
}
