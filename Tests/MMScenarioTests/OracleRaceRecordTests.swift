import Foundation
import MMKernel
import Testing
@testable import MMScenario

/// Concurrent fidelity without QEMU: every concurrent run of a real kernel
/// (Tests/oracle/SERIES/NAME.race.json, written by `mmsim oracle --record`, refreshed by
/// oracle/refresh.sh) is checked one-sided against a fresh exploration of the model in the
/// record's era: each outcome the kernel showed must be in the model's outcome set, or be
/// explained in Tests/oracle/race-explanations.json. Outcomes the guest never showed are
/// not checked (a race not observed is not disproved).
@Suite(.serialized) struct OracleRaceRecordTests {
    static let root = OracleRecordTests.root

    static let records: [String] = {
        let dir = root + "/Tests/oracle"
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".race.json") }.sorted()
    }()

    static func load(_ rel: String) throws -> OracleRaceRecord {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/Tests/oracle/" + rel))
        return try JSONDecoder().decode(OracleRaceRecord.self, from: data)
    }

    static let explanations: [RaceExplanation] = {
        let path = root + "/Tests/oracle/race-explanations.json"
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return (try? JSONDecoder().decode([RaceExplanation].self, from: data)) ?? []
    }()

    /// Each series (5.10, 6.1, 6.12, 7.2) has a record of every test of scenarios/oracle-race; a
    /// test that removes no device ran at least 1,000 iterations or its time budget (30 s or more).
    @Test func everySeriesRecordsTheRaceCorpus() throws {
        let tests = try FileManager.default
            .contentsOfDirectory(atPath: Self.root + "/scenarios/oracle-race")
            .filter { $0.hasSuffix(".litmus") }
        #expect(tests.count >= 8)
        for series in ["5.10", "6.1", "6.12", "7.2"] {
            let mine = try Self.records.filter { $0.hasPrefix(series + "/") }.map(Self.load)
            #expect(Set(mine.map(\.scenario)) == Set(tests.map { "scenarios/oracle-race/" + $0 }),
                    "\(series): \(mine.count) race records, \(tests.count) tests")
            for r in mine {
                #expect(r.runs >= 1 && !r.outcomes.isEmpty, "\(series)/\(r.name)")
                #expect(r.outcomes.map(\.count).reduce(0, +) == r.runs, "\(series)/\(r.name)")
                let source =
                    try String(contentsOfFile: Self.root + "/" + r.scenario, encoding: .utf8)
                if !source.contains("unbind ") {
                    #expect(r.runs >= 1000 || r.seconds >= 30,
                            "\(series)/\(r.name): \(r.runs) runs")
                }
            }
        }
    }

    @Test(arguments: records) func kernelOutcomesAreInTheModelsSet(rel: String) throws {
        let record = try Self.load(rel)
        let era =
            try #require(Era.allCases.first { $0.description == record.era }, "era \(record.era)")
        let source = try String(contentsOfFile: Self.root + "/" + record.scenario, encoding: .utf8)
        #expect(LitmusTest.fnv1a(source) == record.sourceHash,
                "\(record.scenario) changed since it was recorded: run oracle/refresh.sh")
        let loaded = try ScenarioRunner.load(source: source, file: record.scenario)
        let model = OracleRace.modelSet(loaded, era: era)
        #expect(!model.outcomes.isEmpty)
        let judged = OracleRace.judge(record.outcomes.map { ($0.values, $0.log, $0.count) },
                                      set: model.outcomes,
                                      name: record.name, kernel: record.kernel,
                                      explanations: Self.explanations)
        for o in judged where !o.inModel {
            if let why = o.explained {
                #expect(why.count > 40, "\(rel): the explanation of \(o.values) says too little")
            } else {
                let log = o.log.isEmpty ? "quiet" : o.log
                let what = "\(rel): the kernel showed \(o.values) (log: \(log)), which the model's"
                Issue.record("\(what) \(record.era) outcome set does not contain")
            }
        }
    }

    /// The one-sided rule: a guest outcome needs the model's values; a kernel log of an
    /// oops/Bad page/WARN needs a model execution with those values and a violation.
    @Test func oneSidedContainment() {
        let set = [RaceModelOutcome(values: "T1:r=0 T0:p=1", violations: ["use-after-free"]),
                   RaceModelOutcome(values: "T1:r=0 T0:p=0", violations: [])]
        #expect(OracleRace.contains(set, values: "T1:r=0 T0:p=1", log: "oops"))
        #expect(OracleRace.contains(set, values: "T1:r=0 T0:p=1", log: ""))
        #expect(!OracleRace.contains(set, values: "T1:r=0 T0:p=0", log: "Bad page"))
        #expect(!OracleRace.contains(set, values: "T1:r=-EBUSY T0:p=0", log: ""))
        let guest = OracleRace.judge([("T1:r=0 T0:p=0", "", 5)], set: set, name: "t", kernel: "6.1",
                                     explanations: [])
        #expect(guest.count == 1 && guest[0].inModel && guest[0].count == 5)
        #expect(OracleRace.notObserved(set, guest: guest) == ["T1:r=0 T0:p=1 [use-after-free]"])
    }

    /// A concurrent test's program: one function per thread, gup/put as vmsplice/close,
    /// unbind through the setup's sysfs file, the condition's variables in States order;
    /// a condition on an observe field is refused at its location.
    @Test func raceProgramAndRefusals() throws {
        let src = """
            MM t
            kernel v6.1
            init {
              pmem pmem0 size=64M mode=fsdax map=mem
              mkfs pmem0 ext4
              mount pmem0 /mnt dax
              file /mnt/f size=2M layout=contiguous
              main: buf = mmap /mnt/f len=2M shared align=2M
            }
            T0 {
              g = gup buf pages=1 fast
              p = put
            }
            T1 {
              r = unbind pmem0
            }
            exists (T1:r == 0 /\\ T0:g == 1)
            expect pass
            """
        let plan = try OraclePlan(LitmusParser.parse(source: src, file: "t.litmus"))
        #expect(plan.concurrent)
        let c = try OracleRaceProgram.source(plan)
        #expect(c.contains("r_gup((V[0] + 0LL), 1ULL, &err)"))
        #expect(c.contains("r_put()"))
        #expect(c.contains("r_unbind(\"pmem0\", &err)"))
        #expect(c.contains("static const char *const names[] = {\"T1:r\", \"T0:g\"};"))
        let bad = src.replacingOccurrences(of: "exists (T1:r == 0 /\\ T0:g == 1)",
                                           with: "exists (T1:r == 0)\n").replacingOccurrences(
            of: "  p = put\n", with: "  p = put\n  m = observe buf\n")
        let badPlan = try OraclePlan(LitmusParser.parse(source: bad, file: "t.litmus"))
        do {
            _ = try OracleRaceProgram.source(badPlan)
            Issue.record("observe in a concurrent run was accepted")
        } catch {
            #expect(error.location.line == 13)
        }
    }

    /// Two processes (hugetlb PMD sharing needs two mms): a thread `on Q` runs in the server
    /// race.h forks for Q, Q's init statements are sent to it by statement index, the
    /// variables are shared memory; the hugetlbfs file is restored by its size alone and the
    /// setup reserves its huge pages (1G: 512, plus 2). A thread in a fork's child is refused.
    @Test func raceProgramWithAProcess() throws {
        let src = """
            MM t
            kernel v6.1
            init {
              hugetlbfs /huge
              file /huge/f size=1G
              process Q
              main: a = mmap /huge/f len=1G shared align=1G
              Q: b = mmap /huge/f len=1G shared align=1G
            }
            T0 {
              u = munmap a len=1G
            }
            T1 on Q {
              t = truncate /huge/f size=0
              s = load b+2M
            }
            exists (T0:u == 0 /\\ T1:s == SIGBUS)
            expect pass
            """
        let plan = try OraclePlan(LitmusParser.parse(source: src, file: "t.litmus"))
        let c = try OracleRaceProgram.source(plan)
        #expect(c.contains("static const int thread_proc[] = {0, 1};"))
        #expect(c.contains("if (r_remote(1, 4)) return;"))   // Q's mmap, statement 4
        #expect(c.contains("case 4: /* line 8: mmap */"))
        #expect(c.contains("V = r_shared(sizeof *V * "))
        #expect(c.contains("thread_proc, remote);"))
        #expect(c.contains("r_file_reset(\"/huge/f\", 1073741824ULL, 3);"))
        #expect(c.contains("o_mmap(\"/huge/f\", 1073741824ULL, PROT_READ|PROT_WRITE, 1, 0, 0, "
                           + "1073741824ULL"))
        let setup = OracleSetup.script(plan)
        #expect(setup.contains("o_hugetlbfs 0 4 '/huge' 514"))
        #expect(setup.contains("o_file_size 1 5 '/huge/f' 1073741824"))
        let forked = src.replacingOccurrences(of: "  process Q\n", with: "  main: Q = fork\n")
        do {
            _ = try OracleRaceProgram.source(try OraclePlan(LitmusParser.parse(source: forked,
                                                                               file: "t.litmus")))
            Issue.record("a statement in a fork's child was accepted")
        } catch {
            // the fork (line 6), Q's mmap (8) or the thread on Q (13), whichever is checked first
            #expect([6, 8, 13].contains(error.location.line))
        }
    }
}
