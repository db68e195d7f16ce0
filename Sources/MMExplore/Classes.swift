// Mazurkiewicz classes of executions, named so that two explorations can be compared:
// did DPOR explore every class that another search (naive, bounded) reached, and did it
// explore any class twice? A class is named by its least linearisation: the steps of the
// execution in the order that, among the orders happens-before allows, lists the lowest
// agent first at every point. The program is deterministic, so replaying that order gives
// the execution back, and two executions with the same name are equivalent.
//
// Happens-before is the relation race analysis uses (DPOR.swift): program order, spawn,
// wake-to-woken, and conflicting accesses (a write against everything, a read against
// writes and updates, an update against writes and reads). Agents are named by how they
// came to exist, not by their slot index: a thread that was there when the phase started
// by its index, a spawned one by its spawner's name, the spawning step's position in the
// spawner, and its rank among the threads that step spawned.

/// The name of one Mazurkiewicz class: its least linearisation, as agent names.
public struct TraceClass: Hashable, Sendable {
    /// The agent of each step of the least linearisation, in order.
    public let agents: [UInt64]

    /// The class of the execution whose concurrent steps are `records`.
    init(_ records: [StepRecord]) {
        let n = records.count
        var name: [UInt64] = []          // per thread slot, once seen
        var position = [Int](repeating: 0, count: n)  // step's index within its thread
        var perThread: [Int] = []
        var spawnedBy: [Int32: Int] = [:]  // spawning step -> threads spawned so far
        var preds = [[Int32]](repeating: [], count: n)
        var lastOf: [Int32] = []
        var objects = ObjectTable()
        var waitQueues = ObjectTable()
        for j in 0..<n {
            let r = records[j]
            let t = Int(r.thread)
            while name.count <= t {
                name.append(0)
                perThread.append(0)
                lastOf.append(-1)
            }
            if perThread[t] == 0 {
                if r.spawner >= 0 {
                    let s = Int(r.spawner)
                    let rank = spawnedBy[r.spawner, default: 0]
                    spawnedBy[r.spawner] = rank + 1
                    name[t] = mix(name[Int(records[s].thread)], UInt64(position[s]),
                                  UInt64(rank))
                } else {
                    name[t] = UInt64(t)
                }
            }
            position[j] = perThread[t]
            perThread[t] += 1
            var p: [Int32] = []
            if lastOf[t] >= 0 { p.append(lastOf[t]) }
            if r.spawner >= 0 { p.append(r.spawner) }
            if r.enabler >= 0 { p.append(r.enabler) }
            for k in 0..<r.fp.count { objects.forEachConflict(r.fp[k]) { p.append($0) } }
            for a in r.extra { waitQueues.forEachConflict(a) { p.append($0) } }
            preds[j] = p
            lastOf[t] = Int32(j)
            objects.note(r.fp, step: Int32(j))
            for a in r.extra { waitQueues.note(waitQueues.slot(a.object), Int32(j), a.kind) }
        }
        // Least linearisation: repeatedly take, among the threads whose next step has all
        // its predecessors taken, the one with the lowest name.
        var next = [Int](repeating: -1, count: name.count)   // next step of each thread
        var stepsOf = [[Int]](repeating: [], count: name.count)
        for j in 0..<n { stepsOf[Int(records[j].thread)].append(j) }
        var cursor = [Int](repeating: 0, count: name.count)
        for t in 0..<name.count { next[t] = stepsOf[t].first ?? -1 }
        var taken = [Bool](repeating: false, count: n)
        var order: [UInt64] = []
        order.reserveCapacity(n)
        for _ in 0..<n {
            var best = -1
            for t in 0..<name.count {
                let j = next[t]
                guard j >= 0, preds[j].allSatisfy({ taken[Int($0)] }) else { continue }
                if best < 0 || name[t] < name[best] { best = t }
            }
            // Happens-before is acyclic (its edges point to earlier steps): some thread
            // always has a ready step.
            guard best >= 0 else { break }
            let j = next[best]
            taken[j] = true
            order.append(name[best])
            cursor[best] += 1
            next[best] = cursor[best] < stepsOf[best].count ? stepsOf[best][cursor[best]] : -1
        }
        agents = order
    }
}

/// A deterministic mix of three words (SplitMix64's finaliser over a running sum).
private func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
    var x = a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019) &* 0xBF58_476D_1CE4_E5B9
    x ^= c &* 0x94D0_49BB_1331_11EB
    x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
    x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
    return x ^ (x >> 31) | 1 << 63   // spawned agents sort after the phase's own threads
}
