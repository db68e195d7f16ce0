import Foundation
import MMExplore
import Testing
@testable import MMScenario

/// Issue 12 item 5: `check --shard i/N` explores a deterministic share of a test's tree and
/// `merge` of every share gives the report of one unsharded run, timings aside.
@Suite struct ShardMergeTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    func load(_ relative: String) throws -> ScenarioRunner.Loaded {
        let path = Self.root + "/" + relative
        return try ScenarioRunner.load(source: String(contentsOfFile: path, encoding: .utf8),
                                       file: relative)
    }

    /// Writes and reads back each shard's result as `--output` and `merge` do.
    func roundTrip(_ r: ShardResult) throws -> ShardResult {
        try JSONDecoder().decode(ShardResult.self, from: JSONEncoder().encode(r))
    }

    func shards(_ loaded: ScenarioRunner.Loaded, _ n: Int, jobs: Int = 1) throws -> [ShardResult] {
        try (1...n).map { i in
            try roundTrip(ScenarioRunner.runShard(loaded, options: ExploreOptions(jobs: jobs),
                                                  shard: Shard(index: i, count: n)!))
        }
    }

    func timeless(_ r: TestReport) -> TestReport {
        var r = r
        r.seconds = 0
        return r
    }

    /// Three threads, a violation, a condition with several states: three shards merged
    /// equal one run in executions, redundant runs, violations, states, witnesses and
    /// their tokens, expectations and verdict.
    @Test(arguments: ["scenarios/concurrency/two-readers-vs-munmap-unordered.litmus",
                      "scenarios/gup/dio-vs-munmap.litmus"])
    func threeShardsMergedEqualOneRun(_ file: String) throws {
        let loaded = try load(file)
        let one = ScenarioRunner.run(loaded, options: ExploreOptions())
        let parts = try shards(loaded, 3)
        #expect(Set(parts.map(\.partCount)).count == 1)
        #expect(parts.flatMap(\.parts).map(\.index).sorted() == Array(0..<parts[0].partCount))
        // The shares are disjoint and together are the whole tree. (The tree is cut at one
        // node per level since the deeper cut lost classes, Parallel.swift: here the first
        // share holds every counted execution.)
        let shares = parts.map { $0.parts.map(\.executions).reduce(0, +) }
        #expect(shares.reduce(0, +) == one.executions)
        let merged =
            try ScenarioRunner.merge(parts.reversed(), loaded: loaded, options: ExploreOptions())
        #expect(timeless(merged) == timeless(one))
        #expect(merged.executions == one.executions && merged.redundant == one.redundant)
        #expect(merged.verdict == one.verdict && merged.complete)
    }

    /// Shards run with two workers each merge to the same report.
    @Test func shardsWithJobsMergeAlike() throws {
        let loaded = try load("scenarios/concurrency/two-readers-vs-munmap-unordered.litmus")
        let one = ScenarioRunner.run(loaded, options: ExploreOptions())
        let merged = try ScenarioRunner.merge(try shards(loaded, 2, jobs: 2), loaded: loaded,
                                              options: ExploreOptions())
        #expect(timeless(merged) == timeless(one))
    }

    /// More shards than parts: the extra shards explore nothing and the merge still equals
    /// one run.
    @Test func moreShardsThanParts() throws {
        let loaded = try load("scenarios/gup/dio-vs-munmap.litmus")
        let one = ScenarioRunner.run(loaded, options: ExploreOptions())
        let parts = try shards(loaded, 7)
        #expect(parts.contains { $0.parts.isEmpty })
        let merged = try ScenarioRunner.merge(parts, loaded: loaded, options: ExploreOptions())
        #expect(timeless(merged) == timeless(one))
    }

    @Test func missingShardIsRefused() throws {
        let loaded = try load("scenarios/gup/dio-vs-munmap.litmus")
        let parts = try shards(loaded, 3)
        #expect(throws: MergeError.self) {
            try ScenarioRunner.merge([parts[0], parts[2]], loaded: loaded,
                                     options: ExploreOptions())
        }
        do {
            _ = try ScenarioRunner.merge([parts[0], parts[2]], loaded: loaded,
                                         options: ExploreOptions())
        } catch let e as MergeError {
            #expect(e.description == "missing shard 2/3")
        }
        do {
            _ = try ScenarioRunner.merge([parts[0], parts[0], parts[1], parts[2]], loaded: loaded,
                                         options: ExploreOptions())
            Issue.record("a repeated shard was merged")
        } catch let e as MergeError {
            #expect(e.description == "shard 1/3 is given twice")
        }
    }

    @Test func shardsOfAnotherTestAreRefused() throws {
        let a = try load("scenarios/gup/dio-vs-munmap.litmus")
        let b = try load("scenarios/concurrency/two-readers-vs-munmap-unordered.litmus")
        let parts = try shards(a, 2)
        do {
            _ = try ScenarioRunner.merge(parts, loaded: b, options: ExploreOptions())
            Issue.record("shards of another test were merged")
        } catch let e as MergeError {
            #expect(e.description.hasPrefix("shard 1/2 is of test dio-vs-munmap"))
        }
    }
}
