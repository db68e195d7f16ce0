import MMExplore
import MMKernel
import Testing
@testable import MMScenario

/// A thread `on` a process that a failed `fork` in init never created: fork returned
/// -ENOMEM and there is no child, so the thread has no process to run in. The test stops
/// with a located setup error naming the thread and the fork (it trapped on `t.mm!`).
@Suite struct FailedForkTests {
    func run(_ source: String) throws -> TestReport {
        let loaded = try ScenarioRunner.load(source: source, file: "t.litmus")
        return ScenarioRunner.run(loaded, options: ExploreOptions(maxExecutions: 10))
    }

    /// `alloc_pages` holds every free frame, so the child's pgd cannot be allocated:
    /// dup_mm() fails and fork returns -ENOMEM.
    static let forkWithoutMemory = """
        MM fork-enomem
        kernel v6.1

        init {
          alloc_pages 0x100000
          main: c = fork
        }

        T0 on c {
          buf = mmap anon len=4K
        }

        expect pass
        """

    @Test func threadOnFailedForkIsASetupError() throws {
        let r = try run(Self.forkWithoutMemory)
        #expect(r.setupError == "t.litmus:6:3: setup error: `main: c = fork` returned -ENOMEM "
                + "under v6.1; thread T0 runs on `c`, so there is no process for it to run in")
        #expect(r.violations.isEmpty)
        #expect(r.verdict == .setupError)
        #expect(!r.passed)
    }
}
