import ArgumentParser
import Foundation
import MMKernel
import MMScenario

/// `mmsim oracle`: runs tests in a real kernel (Debian's image under QEMU, emulated pmem)
/// and compares every observable with the model's run in the same era.
struct Oracle: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run tests in a real kernel under QEMU and compare each observable "
            + "with the model.",
        usage: """
            mmsim oracle <paths> ... --kernel <kernel> [--json] [--record <record>]
                             [--results <results>] [--explanations <explanations>]
            """,
        discussion: """
            Every test of one call runs in one guest boot (oracle/run.sh). The guest is \
            built in $MMSIM_ORACLE_CACHE (default ~/.cache/mmsim-oracle). Exit status: 0 \
            when every observable agrees or its disagreement is explained, 1 otherwise, 2 \
            for a test the oracle cannot run.
            """)

    @Argument(help: "Test files or directories of *.litmus files.")
    var paths: [String]

    @Option(name: .long, help: "Kernel series: 5.10, 6.1, 6.12 or 7.2 (Debian's image).")
    var kernel: String

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    @Option(name: .long, help: "Write one record per test to DIR/SERIES/NAME.json.")
    var record: String?

    @Option(name: .long, help: "Compare with this results.jsonl of an earlier run (no QEMU).")
    var results: String?

    @Option(name: .long, help: "Explanations of known disagreements (JSON list).")
    var explanations = "Tests/oracle/explanations.json"

    func run() throws {
        guard let era = OracleKernels.era(kernel) else {
            printError("error: unknown kernel series \(kernel); one of "
                       + OracleKernels.series.map(\.0).joined(separator: ", "))
            throw ExitCode(2)
        }
        let tests = try Loading.loadAll(paths)
        var plans: [OraclePlan] = []
        for t in tests {
            do {
                let plan = try OraclePlan(t.test)
                if plan.concurrent { try OracleRaceProgram.check(plan) }
                plans.append(plan)
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
        }
        let guest = try results.map(GuestResults.parse(file:)) ?? runGuest(plans)
        let known = loadExplanations()
        var reports: [OracleReport] = []
        var races: [RaceReport] = []
        for (i, (loaded, plan)) in zip(tests, plans).enumerated() {
            let named = guest.tests.values.filter { $0.name != nil }
            let byName = named.first { $0.name == loaded.test.name }
            if let file = results, !named.isEmpty, byName == nil {
                printError("error: \(loaded.file): no run of test \(loaded.test.name) in \(file)\n"
                           + named.compactMap(\.name).sorted().joined(separator: " ")
                               .wrapped(indent: "  it has:"))
                throw ExitCode(2)
            }
            let lines = byName ?? guest.tests[String(format: "%02d", i)]
                ?? GuestResults.Test(problem: "no output from the guest")
            if plan.concurrent {
                races.append(raceReport(loaded, lines: lines, guest: guest, era: era))
                continue
            }
            let kernelObs = OracleObservables.kernel(plan, lines.statements)
            let modelObs = OracleObservables.model(plan, OracleModelRun.values(loaded, era: era))
            var ex: [String: (kernel: String, model: String, reason: String)] = [:]
            for e in known where e.name == loaded.test.name
                && (e.kernels?.contains(kernel) ?? true) {
                ex[e.id] = (e.kernelValue, e.modelValue, e.reason)
            }
            var verdicts =
                OracleCompare.compare(kernel: kernelObs, model: modelObs, explanations: ex)
            if let problem = lines.problem {
                verdicts.insert(OracleVerdict(id: "guest", line: 0, op: "run", kernel: problem,
                                              model: "ok",
                                              explained: nil), at: 0)
            }
            reports.append(OracleReport(file: loaded.file, name: loaded.test.name, kernel: kernel,
                                        release: guest.release, package: guest.package,
                                        era: era.description, verdicts: verdicts))
        }
        let sequential = zip(tests, plans).filter { !$0.1.concurrent }.map(\.0)
        if let dir = record {
            try write(records: reports, tests: sequential, to: dir)
            try write(races: races, to: dir)
        }
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            if races.isEmpty {
                emit(String(decoding: try enc.encode(reports), as: UTF8.self) + "\n")
            } else {
                emit(String(decoding: try enc.encode(OracleJSON(sequential: reports,
                                                                concurrent: races)),
                            as: UTF8.self) + "\n")
            }
        } else {
            for r in races { emit(r.text()) }
            if !races.isEmpty {
                let bad = races.filter { $0.unexplained > 0 }.count
                emit("Kernel \(kernel) (\(guest.release)): \(races.count) concurrent tests, "
                     + "\(races.count - bad) agree one-sided, \(bad) disagree\n")
            }
            if reports.isEmpty {
                if races.contains(where: { $0.unexplained > 0 }) { throw ExitCode(1) }
                return
            }
            for r in reports { emit(r.text()) }
            let agreed = reports.map(\.agreed).reduce(0, +)
            let total = reports.map(\.verdicts.count).reduce(0, +)
            let explained = reports.map(\.explained).reduce(0, +)
            emit("Kernel \(kernel) (\(guest.release)): \(agreed)/\(total) observables agree, "
                 + "\(explained) explained, \(total - agreed - explained) disagree\n")
        }
        if reports.contains(where: { $0.unexplained > 0 })
            || races.contains(where: { $0.unexplained > 0 }) {
            throw ExitCode(1)
        }
    }

    /// Writes the batch and runs oracle/run.sh; the guest's results.
    func runGuest(_ plans: [OraclePlan]) throws -> GuestResults {
        let fm = FileManager.default
        let work = OraclePaths.cache
            + "/work/\(kernel)-\(ProcessInfo.processInfo.processIdentifier)"
        try? fm.removeItem(atPath: work)
        var largest: UInt64 = 64 << 20
        for (i, plan) in plans.enumerated() {
            let dir = work + String(format: "/%02d", i)
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let source =
                plan.concurrent ? try OracleRaceProgram.source(plan) : OracleCProgram.source(plan)
            try source.write(toFile: dir + "/prog.c", atomically: true, encoding: .utf8)
            try OracleSetup.script(plan).write(toFile: dir + "/setup.sh", atomically: true,
                                               encoding: .utf8)
            try (plan.test.name + "\n").write(toFile: dir + "/name", atomically: true,
                                              encoding: .utf8)
            largest = max(largest, OracleSetup.largestDisk(plan))
        }
        try "\(largest / 1024)\n".write(toFile: work + "/brd-kb", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: OraclePaths.scripts + "/run.sh")
        p.arguments = ["--kernel", kernel, "--work", work]
        // A vCPU per thread of the largest concurrent test (at least 2).
        var env = ProcessInfo.processInfo.environment
        let cpus = plans.map { $0.concurrent ? $0.test.threads.count : 1 }.max() ?? 2
        env["MMSIM_ORACLE_SMP"] = String(max(2, cpus))
        // The guest's 2G plus the huge pages its largest hugetlbfs test reserves.
        let huge = plans.map { OracleSetup.hugePages($0) }.max() ?? 0
        if huge > 0 { env["MMSIM_ORACLE_MEM"] = "\(2048 + huge * 2)M" }
        p.environment = env
        p.standardOutput = FileHandle.standardError
        try p.run()
        p.waitUntilExit()
        guard fm.fileExists(atPath: work + "/results.jsonl") else {
            printError("error: the guest produced no results (see \(work)/console.log)")
            throw ExitCode(1)
        }
        var r = try GuestResults.parse(file: work + "/results.jsonl")
        if p.terminationStatus != 0 { r.incomplete = true }
        return r
    }

    func loadExplanations() -> [OracleExplanation] {
        guard let data = FileManager.default.contents(atPath: explanations) else { return [] }
        return (try? JSONDecoder().decode([OracleExplanation].self, from: data)) ?? []
    }

    func write(records reports: [OracleReport], tests: [ScenarioRunner.Loaded],
               to dir: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/" + kernel, withIntermediateDirectories: true)
        for (r, t) in zip(reports, tests) {
            if r.verdicts.contains(where: { $0.id == "guest" }) {
                printError("\(t.file): not recorded: the guest did not run it completely")
                continue
            }
            let rec = OracleRecord(
                scenario: t.file, name: t.test.name, sourceHash: t.test.sourceHash, kernel: kernel,
                release: r.release, package: r.package, era: r.era,
                observables: r.verdicts.map {
                    RecordedObservable(id: $0.id, line: $0.line, op: $0.op,
                                       kernel: $0.kernel ?? "none",
                                       model: $0.model, explained: $0.explained)
                })
            try enc.encode(rec)
                .write(to: URL(fileURLWithPath: "\(dir)/\(kernel)/\(t.test.name).json"))
        }
    }
}

/// Where the scripts and the cache are.
enum OraclePaths {
    /// oracle/ of this source tree, or $MMSIM_ORACLE_DIR.
    static var scripts: String {
        if let d = ProcessInfo.processInfo.environment["MMSIM_ORACLE_DIR"] { return d }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("oracle").path
    }

    /// $MMSIM_ORACLE_CACHE, default ~/.cache/mmsim-oracle.
    static var cache: String {
        ProcessInfo.processInfo.environment["MMSIM_ORACLE_CACHE"]
            ?? (NSHomeDirectory() + "/.cache/mmsim-oracle")
    }
}

/// Kernel series the oracle knows and the model era each is compared with.
enum OracleKernels {
    static let series: [(String, Era)] = [("5.10", .v5_10), ("6.1", .v6_1), ("6.12", .v6_12),
                                          ("7.2", .v7_2)]

    static func era(_ s: String) -> Era? { series.first { $0.0 == s }?.1 }
}

/// The guest's results.jsonl, split per test.
struct GuestResults {
    /// One test's lines.
    struct Test {
        /// Statement id → its JSON fields as text.
        var statements: [String: [String: String]] = [:]
        /// Why the test did not run completely, if it did not.
        var problem: String?
        /// The test's `MM` name (results of older guests have none).
        var name: String?
        /// A concurrent run's lines (`{"race":...}`): outcomes, kernel log lines, runs.
        var race: [[String: String]] = []
    }

    var tests: [String: Test] = [:]
    var release = "?"
    var package = "?"
    var incomplete = false

    static func parse(file: String) throws -> GuestResults {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ValidationError("cannot read \(file)")
        }
        var r = GuestResults()
        let pkgFile = URL(fileURLWithPath: file).deletingLastPathComponent().path + "/package"
        var current: String?
        let text = String(decoding: data, as: UTF8.self)
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            guard let obj = try? JSONSerialization.jsonObject(with: Data(raw.utf8))
                    as? [String: Any] else {
                continue
            }
            let fields = obj.mapValues { v -> String in
                if let s = v as? String { return s }
                if let n = v as? NSNumber { return n.stringValue }
                return "\(v)"
            }
            switch fields["oracle"] {
            case "boot": r.release = fields["release"] ?? "?"
            case "begin":
                current = fields["test"]
                if let c = current {
                    r.tests[c] = Test(problem: "did not finish", name: fields["name"])
                }
            case "end":
                if let c = current {
                    if fields["setup"] != "0" {
                        r.tests[c]?.problem = "setup failed"
                    } else if fields["rc"] != "0" {
                        r.tests[c]?.problem = "program exit \(fields["rc"] ?? "?")"
                    } else {
                        r.tests[c]?.problem = nil
                    }
                }
                current = nil
            default:
                if let c = current, fields["race"] != nil {
                    r.tests[c]?.race.append(fields)
                } else if let c = current, let scope = fields["scope"],
                          let index = fields["index"] {
                    r.tests[c]?.statements["\(scope):\(index)"] = fields
                }
            }
        }
        if let p = FileManager.default.contents(atPath: pkgFile) {
            r.package = String(decoding: p, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            let series = r.release.split(separator: ".").prefix(2).joined(separator: ".")
            let cached = OraclePaths.cache + "/linux-\(series)/package"
            if let p = FileManager.default.contents(atPath: cached) {
                r.package = String(decoding: p, as: UTF8.self)
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return r
    }
}

/// One test's comparison, as printed.
struct OracleReport: Codable {
    var file: String
    var name: String
    var kernel: String
    var release: String
    var package: String
    var era: String
    var verdicts: [OracleVerdict]

    var agreed: Int { verdicts.filter(\.agrees).count }
    var explained: Int { verdicts.filter { !$0.agrees && $0.explained != nil }.count }
    var unexplained: Int { verdicts.count - agreed - explained }

    /// Text, lines under 100 columns.
    func text() -> String {
        var out = "Oracle \(name)  kernel \(kernel) (\(release)) vs model \(era)\n"
        for v in verdicts {
            let what = "\(v.id) (line \(v.line) \(v.op))"
            if v.agrees {
                out += fit("  agree      \(what.padded(28)) \(v.kernel ?? "")") + "\n"
            } else {
                let tag = v.explained == nil ? "  DISAGREE   " : "  explained  "
                out += fit(tag + what) + "\n"
                out += fit("      kernel: \(v.kernel ?? "(none)")") + "\n"
                out += fit("      model:  \(v.model ?? "(none)")") + "\n"
                if let e = v.explained { out += e.wrapped(indent: "      why:    ") }
            }
        }
        out += "Agreed \(agreed)/\(verdicts.count), \(explained) explained, \(unexplained) "
            + "disagree\n\n"
        return out
    }

    private func fit(_ s: String) -> String { s.count < 100 ? s : String(s.prefix(98)) + "…" }
}

extension String {
    fileprivate func padded(_ n: Int) -> String {
        count >= n ? self : self + String(repeating: " ", count: n - count)
    }
}
