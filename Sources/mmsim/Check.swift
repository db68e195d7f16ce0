import ArgumentParser
import Foundation
import MMExplore
import MMReport
import MMScenario

/// `mmsim check`: explore every meaningfully different interleaving of each test.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore each test's interleavings and compare the expect lines.")

    @Argument(help: "Test files or directories of *.litmus files.")
    var paths: [String]

    @Option(name: .long, help: "dpor (default), naive, sequential, random, pct.")
    var strategy: String = "dpor"

    @Option(name: .long, help: "Explore only schedules with at most K preemptions.")
    var preemptions: Int?

    @Option(name: .long, parsing: .upToNextOption,
            help: "PCT: depth=D runs=N [seed=S] (implies --strategy pct).")
    var pct: [String] = []

    @Option(name: .long, help: "Random strategy: number of runs.")
    var runs: Int = 1000

    @Option(name: .long, help: "Seed of the random and PCT strategies.")
    var seed: UInt64 = 1

    @Option(name: .customLong("max-executions"), help: "Stop after N executions per test.")
    var maxExecutions: Int?

    @OptionGroup var budgets: BudgetOptions

    @OptionGroup var pictures: PictureOptions

    @Option(name: .long, help: "Parallel workers (results are identical to one worker's).")
    var jobs: Int = 1

    @Option(name: .long, help: ArgumentHelp(
        "Explore only shard i of N of one test's tree (i from 1); needs --output.",
        valueName: "i/N"))
    var shard: String?

    @Option(name: .long, help: ArgumentHelp("With --shard: write the partial result here.",
                                            valueName: "PART.json"))
    var output: String?

    @Flag(name: .long, help: "Print the full trace and statement log.")
    var verbose = false

    @Flag(name: .long, help: "Print the model's counters.")
    var stats = false

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    @Flag(name: .customLong("compare-naive"),
          help: ArgumentHelp("Also enumerate every interleaving without reduction; print naive "
                             + "count, DPOR count and times."))
    var compareNaive = false

    @Option(name: .customLong("cross-check"),
            help: ArgumentHelp("Also run each test bounded to K preemptions; fail if it reaches "
                               + "an outcome DPOR did not."))
    var crossCheck: Int?

    @Option(name: .customLong("naive-limit"), help: "With --compare-naive: stop naive after N.")
    var naiveLimit: Int = 20000

    @Flag(name: .long, help: ArgumentHelp(
        "DPOR: print which shared objects' races added the backtrack points (where the "
            + "executions come from)."))
    var profile = false

    func validate() throws {
        guard (1...maxJobs).contains(jobs) else {
            throw ValidationError("--jobs must be between 1 and \(maxJobs)")
        }
        if let p = preemptions, p < 0 { throw ValidationError("--preemptions must be >= 0") }
        if let k = crossCheck {
            guard k >= 0 else { throw ValidationError("--cross-check must be >= 0") }
            guard strategy == "dpor", preemptions == nil, pct.isEmpty, shard == nil else {
                throw ValidationError("--cross-check checks a whole unbounded DPOR run: "
                                      + "it takes no --strategy, --preemptions, --pct or --shard")
            }
        }
        guard ["dpor", "naive", "sequential", "random", "pct"].contains(strategy) else {
            throw ValidationError("unknown --strategy \(strategy): dpor, naive, sequential, "
                                  + "random, pct")
        }
        _ = try pctSettings()
        if let shard {
            guard Shard(shard) != nil else {
                throw ValidationError("--shard takes i/N with 1 <= i <= N, not \(shard)")
            }
            guard output != nil else { throw ValidationError("--shard needs --output PART.json") }
            guard ["dpor", "naive"].contains(strategy), pct.isEmpty else {
                throw ValidationError("--shard splits DPOR and naive explorations only")
            }
            guard maxExecutions == nil else {
                throw ValidationError("--shard cannot apply --max-executions across shards")
            }
        } else if output != nil {
            throw ValidationError("--output is for --shard")
        }
    }

    func pctSettings() throws -> (depth: Int, runs: Int, seed: UInt64)? {
        guard !pct.isEmpty else { return nil }
        var depth = 3, runs = 1000, seed = self.seed
        for kv in pct {
            let parts = kv.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let v = UInt64(parts[1]) else {
                throw ValidationError("--pct takes depth=D runs=N seed=S, not \(kv)")
            }
            switch parts[0] {
            case "depth": depth = Int(v)
            case "runs": runs = Int(v)
            case "seed": seed = v
            default: throw ValidationError("--pct takes depth=D runs=N seed=S, not \(kv)")
            }
        }
        guard depth >= 1, runs >= 1 else {
            throw ValidationError("--pct needs depth >= 1, runs >= 1")
        }
        return (depth, runs, seed)
    }

    func run() throws {
        let tests = try Loading.loadAll(paths)
        var options = ExploreOptions(strategy: .dpor, preemptionBound: preemptions,
                                     maxExecutions: maxExecutions, jobs: jobs)
        try budgets.apply(to: &options)
        options.profile = profile
        // A --timeout without a bound: what it leaves unexplored needs the most preemptions.
        options.deepenOnBudget = preemptions == nil && shard == nil
        if let p = try pctSettings() {
            options.strategy = .pct(depth: p.depth, runs: p.runs, seed: p.seed)
        } else {
            switch strategy {
            case "naive": options.strategy = .naive
            case "sequential": options.strategy = .sequential
            case "random": options.strategy = .random(seed: seed, runs: runs)
            case "pct": options.strategy = .pct(depth: 3, runs: runs, seed: seed)
            default: options.strategy = .dpor
            }
        }
        if let text = shard, let shard = Shard(text), let output {
            try ShardCommand.run(tests, options: options, shard: shard, output: output, json: json)
            return
        }
        let tty = isatty(STDERR_FILENO) == 1 && !json
        var reports: [TestReport] = []
        CtrlC.install()
        for t in tests {
            if CtrlC.pressed { break }
            var o = options
            if tty {
                o.progress = { p in
                    let rate = p.elapsed > 0 ? Int(Double(p.executions) / p.elapsed) : 0
                    printErrorInline("\r\(t.test.name): \(p.executions) executions, \(rate)/s, "
                                     + "\(Int(p.elapsed)) s   ")
                }
            }
            reports.append(ScenarioRunner.run(t, options: CtrlC.watching(o), verbose: verbose))
            if let k = crossCheck, !CtrlC.pressed {
                CrossCheck.apply(t, preemptions: k, base: CtrlC.watching(options),
                                 to: &reports[reports.count - 1])
            }
            if tty { printErrorInline("\r\u{1B}[K") }
        }
        try pictures.write(reports)
        if CtrlC.pressed {
            try Output.finish(reports, json: json, verbose: verbose, stats: stats,
                              notRun: tests.count - reports.count)
            return
        }
        defer {
            if compareNaive && !json {
                emit("\n" + NaiveComparison.table(tests, dpor: reports, limit: naiveLimit,
                                                  jobs: jobs))
            }
        }
        try Output.finish(reports, json: json, verbose: verbose, stats: stats)
    }
}

/// `--compare-naive`: DPOR's executions against the full naive enumeration, per test.
enum NaiveComparison {
    /// Runs each test naively (up to `limit` executions) and renders the table.
    static func table(_ tests: [ScenarioRunner.Loaded], dpor: [TestReport], limit: Int,
                      jobs: Int) -> String {
        var out = ["Test".padding(toLength: 38, withPad: " ", startingAt: 0)
                   + "   naive  naive s    DPOR  DPOR s  outcomes"]
        for (t, d) in zip(tests, dpor) {
            let o = ExploreOptions(strategy: .naive, maxExecutions: limit, jobs: jobs)
            let n = ScenarioRunner.run(t, options: o)
            let count = n.complete ? "\(n.executions)" : ">\(n.executions)"
            let same = !n.complete ? "-" : (n.violations.map(\.kind) == d.violations.map(\.kind)
                && n.observation?.outcome == d.observation?.outcome) ? "same" : "DIFFER"
            out.append(String(t.test.name.prefix(38)).padding(toLength: 38, withPad: " ",
                                                              startingAt: 0)
                       + col(count, 8) + col(String(format: "%.2f", n.seconds), 9)
                       + col("\(d.executions)", 8) + col(String(format: "%.2f", d.seconds), 8)
                       + "  " + same)
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func col(_ s: String, _ w: Int) -> String {
        s.count >= w ? " " + s : String(repeating: " ", count: w - s.count) + s
    }
}

/// Writes to standard error without a newline (the progress line).
func printErrorInline(_ s: String) {
    FileHandle.standardError.write(s.data(using: .utf8)!)
}
