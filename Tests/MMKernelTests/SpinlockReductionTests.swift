import MMExplore
import Testing
@testable import MMKernel

/// A spinlock's release joins the step before it (`LockID.releaseJoinsStep`): what the
/// explorer must still tell apart, and what it no longer has to.
@Suite struct SpinlockReductionTests {
    /// Explores `threads` after mapping and touching a page; each thread gets the PTE
    /// table's slot, whose entries 100 and 101 serve as two shared words A and B (nothing
    /// maps them) and whose split lock is the PTL. Returns the executions and the set of
    /// what `observe` returned at the end of each.
    static func run(_ threads: [(Kernel, KTask, TableSlot) async -> Void],
                    observe: @escaping (Kernel, TableSlot) -> [UInt64])
        -> (executions: Int, outcomes: Set<[UInt64]>)
    {
        var slot: TableSlot?
        var outcomes: Set<[UInt64]> = []
        let r = ConcurrencyTests.exploreAll(
            KernelConfig(era: .v6_1), cpus: Array(threads.indices),
            setup: { k, t in
                await ConcurrencyTests.mapAndTouch(k, t)
                slot = k.findEntry(mm: t.mm!, ConcurrencyTests.base, at: .pte)!.slot
            },
            threads: threads.map { body in { k, t in await body(k, t, slot!) } },
            check: { k in
                outcomes.insert(observe(k, slot!))
                return k.violations.isEmpty && k.internalErrors.isEmpty
            })
        #expect(r.allHold)
        return (r.executions, outcomes)
    }

    static let a = 100, b = 101

    /// What the CPUs of one test saw, over all its executions.
    final class Seen {
        var values: Set<[UInt64]> = []
    }

    /// A CPU that takes the PTL and writes 7 to A, then to B. Between the writes it
    /// releases the PTL (`releasingBetween`), or only reaches a scheduling point and
    /// releases after B.
    static func writeAB(releasingBetween: Bool) -> (Kernel, KTask, TableSlot) async -> Void {
        { k, t, s in
            await k.lock(t, .ptl(slot: s))
            k.tables.write(s, Self.a, 7)
            if releasingBetween { await k.unlock(t, .ptl(slot: s)) } else { await t.step() }
            k.tables.write(s, Self.b, 7)
            if !releasingBetween { await k.unlock(t, .ptl(slot: s)) }
        }
    }

    /// A CPU that reads A and B in one PTL section and adds what it saw to `seen`.
    static func readAB(into seen: Seen) -> (Kernel, KTask, TableSlot) async -> Void {
        { k, t, s in
            await k.lock(t, .ptl(slot: s))
            seen.values.insert([k.tables.read(s, Self.a), k.tables.read(s, Self.b)])
            await k.unlock(t, .ptl(slot: s))
        }
    }

    /// Two CPUs taking one PTL only to read under it: each section is one step that leaves
    /// the lock word free as it found it, so neither order shows anything the other does
    /// not, and one execution covers both.
    @Test func sectionsThatOnlyReadCommute() {
        let reader: (Kernel, KTask, TableSlot) async -> Void = { k, t, s in
            await k.lock(t, .ptl(slot: s))
            _ = k.tables.read(s, Self.a)
            await k.unlock(t, .ptl(slot: s))
        }
        let r = Self.run([reader, reader]) { k, s in [k.tables.unrecorded(s, Self.a)] }
        #expect(r.executions == 1)
        #expect(r.outcomes == [[0]])
    }

    /// A section that writes what another reads under the same PTL still races with it:
    /// the reader sees the word before and after.
    @Test func aWriterAndAReaderRaceBothWays() {
        var seen: Set<UInt64> = []
        let r = Self.run([
            { k, t, s in
                await k.lock(t, .ptl(slot: s))
                k.tables.write(s, Self.a, 7)
                await k.unlock(t, .ptl(slot: s))
            },
            { k, t, s in
                await k.lock(t, .ptl(slot: s))
                seen.insert(k.tables.read(s, Self.a))
                await k.unlock(t, .ptl(slot: s))
            },
        ]) { k, s in [k.tables.unrecorded(s, Self.a)] }
        #expect(r.executions == 2)
        #expect(seen == [0, 7])
    }

    /// A holder that writes A, releases, and only then writes B: another CPU's section
    /// can run between the release and the write of B (the code after a release is a
    /// step of its own), and can never see B without A. It sees A and B as (0, 0), (7, 0)
    /// and (7, 7), and never (0, 7).
    @Test func theCodeAfterAReleaseIsAStepOfItsOwn() {
        let seen = Seen()
        _ = Self.run([
            Self.writeAB(releasingBetween: true),
            Self.readAB(into: seen),
        ]) { _, _ in [] }
        #expect(seen.values == [[0, 0], [7, 0], [7, 7]])
    }

    /// A section over two steps keeps the lock visibly held between them: the other CPU's
    /// section runs wholly before or wholly after it, never between its two writes.
    @Test func aSectionOverTwoStepsExcludesTheOther() {
        let seen = Seen()
        _ = Self.run([
            Self.writeAB(releasingBetween: false),
            Self.readAB(into: seen),
        ]) { _, _ in [] }
        #expect(seen.values == [[0, 0], [7, 7]])
    }
}
