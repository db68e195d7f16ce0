import Foundation
import MMExplore
import MMScenario
import Testing

/// Kernel questions asked in Swift: each test builds or loads an mmsim test, explores its
/// interleavings and checks the typed verdict.
@Suite struct RaceChecksTests {
    /// Seed 002, C2.2: gup-fast pins a TTM buffer's huge PMD while another thread unmaps
    /// and frees the buffer.
    func gupFastVersusFree(kernel: String) throws -> Scenario {
        try Scenario("ttm-gup-fast-vs-free", kernel: kernel) {
            InitBlock {
                "process P"
                "dmabuf bo size=2M huge"
                "P: buf = mmap dmabuf:bo len=2M shared align=2M"
                "P: touch buf len=4K"
            }
            ThreadBlock("T0", on: "P") {
                "g = gup buf pages=1 fast"
                "put"
            }
            ThreadBlock("T1", on: "P") {
                "munmap buf len=2M"
                "free bo"
            }
            FinalCondition.exists("T0:g == 1")
            Expect.sometimes
            Expect.violation("recycled-while-referenced")
        }
    }

    @Test func gupFastRacesTheFreeOnV510() throws {
        let verdict = try gupFastVersusFree(kernel: "v5.10").explore()
        #expect(verdict.passed)
        #expect(verdict.complete)
        #expect(verdict.observation == .sometimes)
        #expect(verdict.violations == ["recycled-while-referenced"])
        // The race, as data: the violating step is in T1's lane, after T0 grabbed the page.
        let sketch = try #require(verdict.violationSketch)
        let focus = try #require(sketch.rows.first { $0.focus })
        #expect(sketch.lanes[focus.lane].name == "T1")
        #expect(sketch.rows.contains { sketch.lanes[$0.lane].name == "T0" && $0.text.contains("try_grab") })
        // Its token replays it.
        let token = try #require(verdict.violationToken)
        let replayed = try #require(try gupFastVersusFree(kernel: "v5.10").replay(token: token))
        #expect(replayed.trace.contains { $0.contains("!! recycled-while-referenced") })
    }

    @Test func aBoundedExplorationStillFindsIt() throws {
        let verdict = try gupFastVersusFree(kernel: "v5.10")
            .explore(ExploreOptions(strategy: .dpor, preemptionBound: 1))
        #expect(verdict.violations.contains("recycled-while-referenced"))
    }

    @Test func aBundledSeedLoadsFromItsFile() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<5 { url.deleteLastPathComponent() }
        let path = url.path + "/scenarios/seeds/c4-1-p2pdma-mmap-normal-ptes.litmus"
        let verdict = try Scenario(contentsOfFile: path).explore()
        #expect(verdict.status == .passed)
        #expect(verdict.violations.isEmpty)
    }

    @Test func aTypoIsOneLocatedError() {
        #expect {
            _ = try Scenario(source: "MM t\nkernel v6.1\nT0 {\n  tuoch buf\n}\nexpect pass\n",
                             file: "t.litmus")
        } throws: { error in
            String(describing: error).hasPrefix("t.litmus:4:")
        }
    }
}
