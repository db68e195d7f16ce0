import Foundation
import MMKernel
import Testing
@testable import MMScenario

/// Fidelity without QEMU: every record of a real kernel's run (Tests/oracle/SERIES/*.json,
/// written by `mmsim oracle --record`, refreshed by oracle/refresh.sh) is compared with a
/// fresh sequential run of the model in the record's era. Each observable must agree, or
/// carry an explanation recorded for exactly this pair of values.
@Suite(.serialized) struct OracleRecordTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let records: [String] = {
        let dir = root + "/Tests/oracle"
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        return walker.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".race.json")
                     && $0.contains("/") }.sorted()
    }()

    static func load(_ rel: String) throws -> OracleRecord {
        let data = try Data(contentsOf: URL(fileURLWithPath: root + "/Tests/oracle/" + rel))
        return try JSONDecoder().decode(OracleRecord.self, from: data)
    }

    @Test func thereAreRecordsOf61WithEnoughObservables() throws {
        let of61 = Self.records.filter { $0.hasPrefix("6.1/") }
        #expect(of61.count >= 8)
        let total = try of61.map { try Self.load($0).observables.count }.reduce(0, +)
        #expect(total >= 60)
    }

    /// Every kernel series has a record of every test of scenarios/oracle, and at least
    /// 60 observables, including the VM_MIXEDMAP driver's and the PFNMAP mapping's.
    @Test func everySeriesRecordsTheWholeCorpus() throws {
        let tests =
            try FileManager.default.contentsOfDirectory(atPath: Self.root + "/scenarios/oracle")
            .filter { $0.hasSuffix(".litmus") }
        for series in ["5.10", "6.1", "6.12", "7.2"] {
            let mine = Self.records.filter { $0.hasPrefix(series + "/") }
            #expect(mine.count == tests.count,
                    "\(series): \(mine.count) records, \(tests.count) tests")
            let loaded = try mine.map(Self.load)
            #expect(loaded.map(\.observables.count).reduce(0, +) >= 60)
            for name in ["oracle-mixedmap-packet-ring", "oracle-devmem", "oracle-devdax"] {
                #expect(loaded.contains { $0.name == name && !$0.observables.isEmpty },
                        "\(series): \(name)")
            }
        }
    }

    /// The guest's side of two extensions: the packet ring is mapped through the runtime's
    /// AF_PACKET socket, and an `uncached` file is dropped from the cache after its write.
    @Test func guestProgramAndSetupCarryTheExtensions() throws {
        let src = """
            MM t
            kernel v6.1
            init {
              disk sda size=64M
              mkfs sda ext4
              mount sda /mnt
              file /mnt/f size=64K uncached
              file /mnt/g size=64K
            }
            T0 {
              a = mmap packet_ring len=16K shared
              m = observe a
            }
            expect pass
            """
        let plan = try OraclePlan(LitmusParser.parse(source: src, file: "t.litmus"))
        #expect(OracleCProgram.source(plan).contains("o_mmap(O_PACKET_RING, 16384ULL"))
        let setup = OracleSetup.script(plan)
        #expect(setup.contains("o_file 3 7 '/mnt/f' 65536 contiguous 1"))
        #expect(setup.contains("o_file 4 8 '/mnt/g' 65536 contiguous 0"))
    }

    @Test(arguments: records) func modelMatchesRecord(rel: String) throws {
        let record = try Self.load(rel)
        let era =
            try #require(Era.allCases.first { $0.description == record.era }, "era \(record.era)")
        let source = try String(contentsOfFile: Self.root + "/" + record.scenario, encoding: .utf8)
        #expect(LitmusTest.fnv1a(source) == record.sourceHash,
                "\(record.scenario) changed since it was recorded: run oracle/refresh.sh")
        let loaded = try ScenarioRunner.load(source: source, file: record.scenario)
        let plan = try OraclePlan(loaded.test)
        let model = OracleObservables.model(plan, OracleModelRun.values(loaded, era: era))
        let verdicts = OracleCompare.check(record, model: model)
        #expect(!verdicts.isEmpty)
        for v in verdicts where !v.agrees && v.explained == nil {
            Issue.record("""
                \(rel): \(v.id) (line \(v.line) \(v.op)): kernel \(v.kernel ?? "none"), \
                model \(v.model ?? "none")
                """)
        }
    }

    /// An explanation is accepted only for the exact values it explains: a model that
    /// changes its answer is checked again.
    @Test func explanationNeedsTheSameValues() {
        let rec = OracleRecord(
            scenario: "s", name: "n", sourceHash: 0, kernel: "6.1", release: "r", package: "p",
            era: "v6.1",
            observables: [RecordedObservable(id: "T0:1.Rss", line: 3, op: "observe", kernel: "64",
                                             model: "4", explained: "fault-around")])
        let same =
            OracleCompare.check(rec,
                                model: [OracleObservable(id: "T0:1.Rss", line: 3, op: "observe",
                                                         value: "4")])
        #expect(same.count == 1 && same[0].explained != nil)
        let other =
            OracleCompare.check(rec,
                                model: [OracleObservable(id: "T0:1.Rss", line: 3, op: "observe",
                                                         value: "8")])
        #expect(other.count == 1 && other[0].explained == nil && !other[0].agrees)
        let agreeing =
            OracleCompare.check(rec,
                                model: [OracleObservable(id: "T0:1.Rss", line: 3, op: "observe",
                                                         value: "64")])
        #expect(agreeing[0].agrees)
    }

    /// Statements the guest cannot run are refused at their location.
    @Test func unexpressibleOpsAreRefused() throws {
        let src = """
            MM t
            kernel v6.1
            T0 {
              a = mmap anon len=4K
              g = gup a pages=1
            }
            expect pass
            """
        let test = try LitmusParser.parse(source: src, file: "t.litmus")
        #expect(throws: Diagnostic.self) { try OraclePlan(test) }
        do {
            _ = try OraclePlan(test)
        } catch {
            #expect(error.location.line == 5)
            #expect(error.message.contains("gup"))
        }
    }
}
