import MMExplore
import Testing
@testable import MMKernel

/// A spinlock's release joins the step before it (`LockID.releaseJoinsStep`): what the
/// explorer must still tell apart, and what it no longer has to.
@Suite struct SpinlockReductionTests {
    /// Explores `threads` after mapping and touching a page (`reset` runs first, in every
    /// execution); each thread gets the PTE
    /// table's slot, whose entries 100 and 101 serve as two shared words A and B (nothing
    /// maps them) and whose split lock is the PTL. Returns the executions and the set of
    /// what `observe` returned at the end of each.
    static func run(_ threads: [(Kernel, KTask, TableSlot) async -> Void],
                    reset: @escaping () -> Void = {},
                    observe: @escaping (Kernel, TableSlot) -> [UInt64])
        -> (executions: Int, outcomes: Set<[UInt64]>)
    {
        var slot: TableSlot?
        var outcomes: Set<[UInt64]> = []
        let r = ConcurrencyTests.exploreAll(
            KernelConfig(era: .v6_1), cpus: Array(threads.indices),
            setup: { k, t in
                reset()
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

    /// spin_lock() excludes every other holder until spin_unlock(), and nothing more.
    /// A holder writes A, then B. If it releases the PTL between the two writes, another
    /// CPU's section may run right after the release, before B is written: the code after
    /// a release is a step of its own. So that section sees A and B as (0, 0), (7, 0) or
    /// (7, 7). If the holder writes both inside one section over two steps, the other
    /// section runs wholly before or wholly after it: (0, 0) or (7, 7). (0, 7) never.
    @Test(arguments: [
        (true, [[0, 0], [7, 0], [7, 7]] as Set<[UInt64]>),
        (false, [[0, 0], [7, 7]] as Set<[UInt64]>),
    ])
    func anotherSectionSeesOnlyWhatTheLockAllows(releasingBetween: Bool,
                                                 expected: Set<[UInt64]>) {
        let seen = Seen()
        _ = Self.run([Self.writeAB(releasingBetween: releasingBetween),
                      Self.readAB(into: seen)]) { _, _ in [] }
        #expect(seen.values == expected)
    }

    /// What a generated CPU does, one block after another.
    enum Block: CaseIterable {
        /// Takes the PTL, writes its mark to A, releases.
        case writeA
        /// Takes the PTL, reads A and B, releases.
        case readAB
        /// Writes its mark to B without the PTL, in the step before.
        case writeBUnlocked
        /// Takes the PTL, writes A, reaches a scheduling point, writes B, releases.
        case writeABOverTwoSteps
        /// Reads A without the PTL, in the step before.
        case readAUnlocked
    }

    /// The reads of each CPU in one execution.
    final class Reads {
        var byCPU: [[UInt64]] = []
    }

    /// CPU `cpu` running `blocks`; code without the PTL joins the step before it (as the
    /// code after a release does in the model). With `releaseAlone`, scheduling points
    /// surround each release, so that every release is a step of its own: the finest
    /// interleaving of a release with the other CPUs.
    static func cpu(_ cpu: Int, _ blocks: [Block], _ reads: Reads, releaseAlone: Bool)
        -> (Kernel, KTask, TableSlot) async -> Void
    {
        let mark = UInt64(cpu + 1) << 12
        return { k, t, s in
            func release() async {
                if releaseAlone { await t.step() }
                await k.unlock(t, .ptl(slot: s))
                if releaseAlone { await t.step() }
            }
            await t.step()
            for block in blocks {
                switch block {
                case .writeA:
                    await k.lock(t, .ptl(slot: s))
                    k.tables.write(s, Self.a, mark)
                    await release()
                case .readAB:
                    await k.lock(t, .ptl(slot: s))
                    reads.byCPU[cpu] += [k.tables.read(s, Self.a), k.tables.read(s, Self.b)]
                    await release()
                case .writeBUnlocked:
                    k.tables.write(s, Self.b, mark)
                case .writeABOverTwoSteps:
                    await k.lock(t, .ptl(slot: s))
                    k.tables.write(s, Self.a, mark)
                    await t.step()
                    k.tables.write(s, Self.b, mark)
                    await release()
                case .readAUnlocked:
                    reads.byCPU[cpu].append(k.tables.read(s, Self.a))
                }
            }
        }
    }

    /// Lipton's reduction, checked on generated programs of three CPUs: every outcome (what
    /// each CPU read, and A and B at the end) reachable when each release is a step of its
    /// own is reachable when releases join the step before them, and no other.
    @Test(arguments: 0..<24)
    func joiningReleasesKeepsEveryOutcome(program: Int) {
        var x = UInt64(program) &* 0x9E37_79B9_7F4A_7C15 &+ 0x5851_F42D
        var blocks: [[Block]] = []
        for _ in 0..<3 {
            var mine: [Block] = []
            for _ in 0..<(1 + Int(x % 2)) {
                x = x &* 6364136223846793005 &+ 1442695040888963407
                mine.append(Block.allCases[Int((x >> 33) % UInt64(Block.allCases.count))])
            }
            x = x &* 6364136223846793005 &+ 1442695040888963407
            blocks.append(mine)
        }
        func outcomes(releaseAlone: Bool) -> Set<[UInt64]> {
            let reads = Reads()
            return Self.run(
                blocks.indices.map { Self.cpu($0, blocks[$0], reads, releaseAlone: releaseAlone) },
                reset: { reads.byCPU = Array(repeating: [], count: blocks.count) },
                observe: { k, s in
                    [k.tables.unrecorded(s, Self.a), k.tables.unrecorded(s, Self.b)]
                        + reads.byCPU.flatMap { $0 + [UInt64.max] }
                }).outcomes
        }
        #expect(outcomes(releaseAlone: false) == outcomes(releaseAlone: true), "\(blocks)")
    }
}
