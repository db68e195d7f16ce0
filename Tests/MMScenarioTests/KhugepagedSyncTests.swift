import Foundation
import MMExplore
import MMTestSupport
import Testing
@testable import MMScenario

/// "mm/khugepaged: fix GUP-fast interaction by sending IPI" (v6.2): a collapse that frees
/// the old page table must hold off a concurrent gup-fast, either through the flush's IPI
/// (x86 native flush) or through the sync IPI of the fix. The scenario runner's threads
/// run on their CPUs in the process from their first step (their CPUs are in
/// mm_cpumask), as the kernel's do. CollapseTests checks the same rule on the kernel
/// alone.
@Suite struct KhugepagedSyncTests {
    /// The bundled race, with the flush's IPIs and the fix set as given.
    static func violations(ipiFlush: Bool, fix: Bool) throws -> Set<String> {
        let file = "scenarios/history/v6.2-khugepaged-gup-fast-ipi-off.litmus"
        let text = try String(contentsOfFile: ReleaseBinary.root + "/" + file, encoding: .utf8)
        let line = "kernel v6.1 -thp_always -tlb_flush_ipi +rcu_table_free -khugepaged_gup_fast_ipi"
        #expect(text.contains(line))
        let knobs = "kernel v6.1 -thp_always \(ipiFlush ? "+" : "-")tlb_flush_ipi +rcu_table_free "
            + "\(fix ? "+" : "-")khugepaged_gup_fast_ipi"
        let loaded = try ScenarioRunner.load(
            source: text.replacingOccurrences(of: line, with: knobs), file: file)
        let report = ScenarioRunner.run(loaded, options: ExploreOptions())
        #expect(report.complete)
        return Set(report.violations.map(\.kind))
    }

    /// Without either IPI gup-fast keeps a page the collapse freed; with either it does
    /// not.
    @Test(arguments: [(false, false), (false, true), (true, false)])
    func syncIPIKeepsGupFastOffTheFreedTable(ipiFlush: Bool, fix: Bool) throws {
        let seen = try Self.violations(ipiFlush: ipiFlush, fix: fix)
        #expect(seen.contains("use-after-free") == !(ipiFlush || fix), "\(seen)")
    }
}
