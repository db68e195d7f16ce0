import Testing
@testable import MMExplore

/// `--max-memory` holds after an execution too: race analysis of an execution of a
/// million steps (touching 16G page by page) built tables several hundred megabytes large
/// after the execution's own checks had passed.
struct MemoryBudgetTests {
    /// 140,000 steps of two threads on objects of their own.
    static let records = (0..<140_000).map { i in
        StepRecord(thread: Int32(i & 1), enabler: -1, spawner: -1,
                   fp: Footprint(ObjectID(UInt64(i)), .write), extra: [])
    }

    /// Over the budget, the analysis stops and says so (the exploration then stops as
    /// budget-stopped); without one it runs through.
    @Test func raceAnalysisStopsAtTheMemoryBudget() {
        let limited = DFSExplorer(dpor: true, bound: nil)
        limited.maxMemory = 1
        limited.analyzeRaces(Self.records, nodes: Self.records.count, from: 0)
        #expect(limited.memoryStopped != nil)
        let unlimited = DFSExplorer(dpor: true, bound: nil)
        unlimited.analyzeRaces(Self.records, nodes: Self.records.count, from: 0)
        #expect(unlimited.memoryStopped == nil)
    }

    /// One thread's steps cannot race: the analysis builds nothing, whatever the budget.
    @Test func oneThreadNeedsNoAnalysis() {
        let one = Self.records.map { r in
            var r = r
            r.thread = 0
            return r
        }
        let limited = DFSExplorer(dpor: true, bound: nil)
        limited.maxMemory = 1
        limited.analyzeRaces(one, nodes: one.count, from: 0)
        #expect(limited.memoryStopped == nil)
    }

    /// A step that touches 70,000 objects: past the budget, its log stops recording (the
    /// execution then stops at its next scheduling point) instead of growing further.
    @Test func aHugeStepStopsRecordingAtTheMemoryBudget() {
        let log = AccessLog(audit: false)
        log.maxMemory = 1
        log.enter(.step)
        for i in 0..<70_000 { log.write(ObjectID(UInt64(i))) }
        #expect(log.overBudget != nil)
        #expect(log.currentFootprint.count == 0)
        #expect(!log.isRecording)
        let unlimited = AccessLog(audit: false)
        unlimited.enter(.step)
        for i in 0..<70_000 { unlimited.write(ObjectID(UInt64(i))) }
        #expect(unlimited.overBudget == nil)
        #expect(unlimited.currentFootprint.count == 70_000)
    }
}
