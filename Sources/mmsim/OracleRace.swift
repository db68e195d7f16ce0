import ArgumentParser
import Foundation
import MMKernel
import MMScenario

/// A concurrent test's comparison, as printed: one-sided. Every outcome the guest showed
/// must be in the model's outcome set for the era; model outcomes never seen are listed
/// as not observed, which disproves nothing.
struct RaceReport: Codable {
    var record: OracleRaceRecord
    var file: String
    /// Why the guest did not run the test completely, if it did not.
    var problem: String?
    /// The model explored every interleaving.
    var modelComplete: Bool

    var unexplained: Int {
        (problem == nil ? 0 : 1)
            + record.outcomes.filter { !$0.inModel && $0.explained == nil }.count
    }

    /// Text, lines under 100 columns.
    func text() -> String {
        let r = record
        var out = "Oracle race \(r.name)  kernel \(r.kernel) (\(r.release)) vs model \(r.era)\n"
        if let problem { out += "  GUEST      \(problem)\n" }
        out += "  \(r.runs) runs in \(String(format: "%.1f", r.seconds)) s on \(r.cpus) vCPUs; "
            + "model: \(r.modelOutcomes.count) "
            + "outcomes\(modelComplete ? "" : " (exploration incomplete)")\n"
        for o in r.outcomes {
            let tag = o.inModel ? "in model " : o.explained == nil ? "NOT IN MODEL" : "explained"
            let log = o.log.isEmpty ? "" : "  log: \(o.log)"
            out += fit("  \(tag.padding(toLength: 12, withPad: " ", startingAt: 0)) \(o.values)  "
                       + "×\(o.count)\(log)") + "\n"
            if let e = o.explained { out += e.wrapped(indent: "      why:    ") }
        }
        for n in r.notObserved { out += fit("  not observed in \(r.runs) runs: \(n)") + "\n" }
        if let t = r.timeline { out += t.wrapped(indent: "  timeline: ") }
        for l in r.kernelLog.prefix(6) { out += fit("  kernel: \(l)") + "\n" }
        let bad = unexplained
        let explained = r.outcomes.contains { !$0.inModel && $0.explained != nil }
        let outside = r.outcomes.filter { !$0.inModel && $0.explained == nil }.count
        out += bad == 0 ? "Agreement (one-sided): every guest outcome is in the model's set"
            + (explained ? " or explained\n\n" : "\n\n")
            : outside == 0 ? "Not agreed: the guest's run had a problem (GUEST above)\n\n"
            : "Disagree: \(outside) guest outcome(s) outside the model's set\n\n"
        return out
    }

    private func fit(_ s: String) -> String { s.count < 100 ? s : String(s.prefix(98)) + "…" }
}

/// `--json` when the batch has concurrent tests.
struct OracleJSON: Codable {
    var sequential: [OracleReport]
    var concurrent: [RaceReport]
}

extension Oracle {
    /// The race explanations file next to `explanations`.
    var raceExplanationsPath: String {
        URL(fileURLWithPath: explanations).deletingLastPathComponent()
            .appendingPathComponent("race-explanations.json").path
    }

    func loadRaceExplanations() -> [RaceExplanation] {
        guard let data = FileManager.default.contents(atPath: raceExplanationsPath) else {
            return []
        }
        return (try? JSONDecoder().decode([RaceExplanation].self, from: data)) ?? []
    }

    /// One concurrent test: the guest's outcomes against the model's set for `era`.
    func raceReport(_ loaded: ScenarioRunner.Loaded, lines: GuestResults.Test, guest: GuestResults,
                    era: Era) -> RaceReport {
        let model = OracleRace.modelSet(loaded, era: era)
        var seen: [(values: String, log: String, count: Int)] = []
        var klog: [String] = []
        var timeline: String?
        var runs = 0, seconds = 0.0, cpus = 0
        for l in lines.race {
            switch l["race"] {
            case "outcome":
                seen.append((l["state"] ?? "?", l["log"] ?? "", Int(l["count"] ?? "0") ?? 0))
            case "klog": klog.append(l["line"] ?? "")
            case "timeline": timeline = l["line"]
            case "runs":
                runs = Int(l["runs"] ?? "0") ?? 0
                seconds = Double(l["seconds"] ?? "0") ?? 0
                cpus = Int(l["cpus"] ?? "0") ?? 0
            default: break
            }
        }
        let outcomes = OracleRace.judge(seen, set: model.outcomes, name: loaded.test.name,
                                        kernel: kernel,
                                        explanations: loadRaceExplanations())
        var problem = lines.problem
        if problem == nil && runs == 0 { problem = "no iterations ran" }
        let rec = OracleRaceRecord(
            scenario: loaded.file, name: loaded.test.name, sourceHash: loaded.test.sourceHash,
            kernel: kernel,
            release: guest.release, package: guest.package, era: era.description, runs: runs,
            seconds: seconds, cpus: cpus, outcomes: outcomes, modelOutcomes: model.outcomes,
            notObserved: OracleRace.notObserved(model.outcomes, guest: outcomes), kernelLog: klog,
            timeline: timeline)
        return RaceReport(record: rec, file: loaded.file, problem: problem,
                          modelComplete: model.complete)
    }

    /// Writes DIR/SERIES/NAME.race.json for each concurrent test the guest ran.
    func write(races: [RaceReport], to dir: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(atPath: dir + "/" + kernel,
                                                withIntermediateDirectories: true)
        for r in races {
            if let p = r.problem, r.record.runs == 0 {
                printError("\(r.file): not recorded: \(p)")
                continue
            }
            try enc.encode(r.record)
                .write(to: URL(fileURLWithPath: "\(dir)/\(kernel)/\(r.record.name).race.json"))
        }
    }
}
