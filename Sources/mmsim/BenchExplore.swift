import ArgumentParser
import Foundation
import MMExplore
import MMReport
import MMScenario

/// `mmsim bench explore`: the seed-003 race as ../shared/peers/gen-s003.sh writes it, per
/// variant and thread count, against the Spin peer model when `spin` is installed; then
/// the bench directory's realistic tests. Executions, redundant runs, time, verdict.
struct BenchExplore: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Explore the seed-003 race at 2-6 threads (and Spin's model of it), "
            + "then the bench tests; print executions, redundant runs, time and verdicts.",
        usage: """
            mmsim bench explore [--threads <A-B>] [--variants <variants>]
                             [--timeout <seconds>] [--jobs <jobs>] [--peers <DIR>]
                             [--tests <DIR>] [--no-spin] [--json]
            """)

    @Option(name: .long, help: ArgumentHelp("Thread counts: N or A-B (2...6).", valueName: "A-B"))
    var threads: String = "2-6"

    @Option(name: .long, help: "Comma-separated variants of gen-s003.sh: nocheck, check, ipi.")
    var variants: String = "nocheck,check,ipi"

    @Option(name: .long, help: ArgumentHelp("Seconds per cell before it counts as unfinished.",
                                            valueName: "seconds"))
    var timeout: Double = 60

    @Option(name: .long, help: "Parallel workers per cell.")
    var jobs: Int = 1

    @Option(name: .long, help: ArgumentHelp(
        "Directory with gen-s003.sh and spin/run.sh (default: ../shared/peers of the repo).",
        valueName: "DIR"))
    var peers: String?

    @Option(name: .long, help: ArgumentHelp(
        "Directory of bench tests (default: Benchmarks/explore of the repo); 'none' to skip.",
        valueName: "DIR"))
    var tests: String?

    @Flag(name: .customLong("no-spin"), help: "Do not run Spin even when it is installed.")
    var noSpin = false

    @Flag(name: .long, help: "Print one JSON document instead of the tables.")
    var json = false

    func validate() throws {
        _ = try threadRange()
        _ = try variantList()
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        guard (1...maxJobs).contains(jobs) else {
            throw ValidationError("--jobs must be between 1 and \(maxJobs)")
        }
    }

    func threadRange() throws -> ClosedRange<Int> {
        let ends = threads.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (1...2).contains(ends.count), let a = ends.first ?? nil, let b = ends.last ?? nil,
              2 <= a, a <= b, b <= 6 else {
            throw ValidationError("--threads takes N or A-B within 2...6, not \(threads)")
        }
        return a...b
    }

    func variantList() throws -> [String] {
        let v = variants.split(separator: ",").map(String.init)
        for x in v where !["nocheck", "check", "ipi"].contains(x) {
            throw ValidationError("unknown variant \(x): nocheck, check, ipi")
        }
        guard !v.isEmpty else { throw ValidationError("--variants is empty") }
        return v
    }

    func run() throws {
        let repo = BenchExplore.repoRoot()
        let peerDir = peers ?? repo.map {
            ($0 as NSString).appendingPathComponent("../shared/peers")
        }
        guard let peerDir, FileManager.default.fileExists(atPath: peerDir + "/gen-s003.sh") else {
            throw ValidationError("no gen-s003.sh in \(peers ?? "../shared/peers of the repo"): "
                                  + "pass --peers DIR")
        }
        let spin = !noSpin && BenchExplore.spinInstalled()
        var options = ExploreOptions(strategy: .dpor, jobs: jobs)
        options.timeout = timeout
        var cells: [SeedCell] = []
        for v in try variantList() {
            for n in try threadRange() {
                let source = try BenchExplore.shell(["bash", peerDir + "/gen-s003.sh", v, "\(n)"])
                let loaded = try ScenarioRunner.load(source: source, file: "s003-\(v)-\(n)t.litmus")
                let r = ScenarioRunner.run(loaded, options: options)
                var cell = SeedCell(variant: v, threads: n, result: BenchResult(r))
                if spin, let out = try? BenchExplore.shell(["bash", peerDir + "/spin/run.sh", v,
                                                            "\(n)"]) {
                    cell.spin = SpinResult(parsing: out)
                }
                if !json { FileHandle.standardError.write("\(cell.row)\n".data(using: .utf8)!) }
                cells.append(cell)
            }
        }
        var benchTests: [BenchResult] = []
        let dir = tests ?? repo.map {
            ($0 as NSString).appendingPathComponent("Benchmarks/explore")
        }
        if let dir, dir != "none", FileManager.default.fileExists(atPath: dir) {
            for t in try Loading.loadAll([dir]) {
                benchTests.append(BenchResult(ScenarioRunner.run(t, options: options)))
            }
        }
        if json {
            emit(JSONReport.encode(BenchDocument(timeoutSeconds: timeout, jobs: jobs,
                                                 spinInstalled: spin,
                                                 seed: cells, tests: benchTests)))
            return
        }
        emit("seed-003 (gen-s003.sh), DPOR, --timeout \(Int(timeout)) s per cell, --jobs \(jobs)"
             + (spin ? "; Spin: spin/run.sh (search time)" : "; spin not installed") + "\n")
        emit(SeedCell.header + "\n" + cells.map(\.row).joined(separator: "\n") + "\n")
        if !benchTests.isEmpty {
            emit("\nbench tests (\(dir ?? ""))\n" + BenchResult.header + "\n"
                 + benchTests.map(\.row).joined(separator: "\n") + "\n")
        }
        emit("runs/x: (executions + redundant runs) / executions; x spin: mmsim s / "
             + "Spin search s\n")
    }

    /// The repository root: the nearest directory holding Package.swift above the current
    /// directory, else above the executable.
    static func repoRoot() -> String? {
        let starts = [FileManager.default.currentDirectoryPath,
                      (CommandLine.arguments[0] as NSString).deletingLastPathComponent]
        for start in starts {
            var dir = (start as NSString).standardizingPath
            while dir != "/" && !dir.isEmpty {
                if FileManager.default.fileExists(atPath: dir + "/Package.swift") { return dir }
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        return nil
    }

    static func spinInstalled() -> Bool {
        (try? shell(["sh", "-c", "command -v spin"]))?.isEmpty == false
    }

    /// Runs a command; its standard output, or an error naming it when it fails.
    static func shell(_ argv: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw ValidationError("\(argv.joined(separator: " ")) exited with "
                                  + "\(p.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// One test's figures in the bench.
struct BenchResult: Codable {
    var name: String
    var executions: Int
    var redundant: Int
    var seconds: Double
    /// "violation" (kinds seen), "pass" (complete, none) or "unknown" (stopped, none seen).
    var found: String
    /// The test's verdict against its expect lines.
    var status: String
    var exhaustive: Bool

    init(_ r: TestReport) {
        name = r.name
        executions = r.executions
        redundant = r.redundant
        seconds = r.seconds
        found = !r.violations.isEmpty ? "violation" : r.complete ? "pass" : "unknown"
        status = r.status
        exhaustive = r.complete
    }

    /// (executions + redundant) / executions: runs per counted execution.
    var runsPerExecution: Double {
        executions == 0 ? 0 : Double(executions + redundant) / Double(executions)
    }

    static let header = "test".padding(toLength: 36, withPad: " ", startingAt: 0)
        + pad("execs", 9) + pad("redund", 8) + pad("runs/x", 7) + pad("s", 8)
        + "  verdict       done"
    var row: String {
        String(name.prefix(35)).padding(toLength: 36, withPad: " ", startingAt: 0)
            + pad("\(executions)", 9) + pad("\(redundant)", 8)
            + pad(String(format: "%.2f", runsPerExecution), 7)
            + pad(String(format: "%.2f", seconds), 8)
            + "  " + status.padding(toLength: 13, withPad: " ", startingAt: 0)
            + " " + (exhaustive ? "yes" : "NO")
    }
}

/// Spin's line from spin/run.sh.
struct SpinResult: Codable {
    var states: String
    var errors: Int
    var compileSeconds: Double
    var searchSeconds: Double

    init?(parsing out: String) {
        var fields: [String: String] = [:]
        for word in out.split(whereSeparator: \.isWhitespace) {
            let kv = word.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { fields[String(kv[0])] = String(kv[1]) }
        }
        guard let st = fields["states"], let e = fields["errors"].flatMap({ Int($0) }),
              let c = fields["compile_s"].flatMap({ Double($0) }),
              let s = fields["search_s"].flatMap({ Double($0) }) else { return nil }
        states = st
        errors = e
        compileSeconds = c
        searchSeconds = s
    }

    var verdict: String { errors > 0 ? "violation" : "pass" }
}

/// One cell of the seed-003 table.
struct SeedCell: Codable {
    var variant: String
    var threads: Int
    var result: BenchResult
    var spin: SpinResult?

    /// "yes" when mmsim's finding equals Spin's, "NO" when not, "?" when either is unknown.
    var agree: String {
        guard let spin, result.found != "unknown" else { return "?" }
        return spin.verdict == result.found ? "yes" : "NO"
    }

    static let header = "cell".padding(toLength: 12, withPad: " ", startingAt: 0)
        + pad("execs", 9) + pad("redund", 8) + pad("runs/x", 7) + pad("s", 8) + "  found      done"
        + pad("spin states", 12) + pad("spin s", 7) + pad("x spin", 8) + "  agree"
    var row: String {
        let r = result
        var line = "\(variant) \(threads)t".padding(toLength: 12, withPad: " ", startingAt: 0)
            + pad("\(r.executions)", 9) + pad("\(r.redundant)", 8)
            + pad(String(format: "%.2f", r.runsPerExecution), 7)
            + pad(String(format: "%.2f", r.seconds), 8)
            + "  " + r.found.padding(toLength: 10, withPad: " ", startingAt: 0)
            + " " + (r.exhaustive ? "yes " : "NO  ")
        if let spin {
            let ratio = spin.searchSeconds > 0 ? r.seconds / spin.searchSeconds : 0
            line += pad(spin.states, 12) + pad(String(format: "%.2f", spin.searchSeconds), 7)
                + pad(String(format: "%.1f", ratio), 8)
        } else {
            line += pad("-", 12) + pad("-", 7) + pad("-", 8)
        }
        return line + "  " + agree
    }
}

/// `--json`: the same facts.
struct BenchDocument: Codable {
    var timeoutSeconds: Double
    var jobs: Int
    var spinInstalled: Bool
    var seed: [SeedCell]
    var tests: [BenchResult]
}

/// Right-aligns `s` in `w` columns (at least one space before it).
private func pad(_ s: String, _ w: Int) -> String {
    s.count >= w ? " " + s : String(repeating: " ", count: w - s.count) + s
}
