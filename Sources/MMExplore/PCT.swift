// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte,
// "A Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010).
//
// Threads get distinct random priorities above `depth`; the highest-priority enabled
// thread always runs; after each of `depth - 1` random change points (step numbers in
// 1...k) the thread that ran that step drops to priority i (below every initial one).
// Each run finds a given bug of depth d with probability at least 1/(t * k^(d-1)).

/// One PCT run.
final class PCTChooser: Chooser {
    private var rng: SplitMix64
    private var priority: [UInt64] = []
    /// changeAt[i] is the step number after which the running thread gets priority i + 1.
    private let changeAt: [Int]

    init(seed: UInt64, depth: Int, steps k: Int) {
        rng = SplitMix64(seed: seed)
        var points: [Int] = []
        let d = max(1, depth)
        let k = max(1, k)
        // Distinct change points when there are enough steps, as in the paper.
        while points.count < d - 1 {
            let s = 1 + rng.below(k)
            if !points.contains(s) || points.count >= k { points.append(s) }
        }
        changeAt = points
    }

    func choose(_ x: Execution, enabled: UInt64) -> Int {
        // Threads appear (initially or spawned) with a random priority far above the
        // change-point priorities; ties (probability ~2^-32) go to the lower index.
        while priority.count < x.slots.count {
            priority.append((rng.next() >> 1) | (1 << 62))
        }
        let s = x.stepIndex
        if s > 0 && x.last >= 0 {
            for (i, point) in changeAt.enumerated() where point == s {
                priority[x.last] = UInt64(i + 1)
            }
        }
        var best = -1
        var m = enabled
        while m != 0 {
            let t = m.trailingZeroBitCount
            m &= m - 1
            if best < 0 || priority[t] > priority[best] { best = t }
        }
        return best
    }

    /// The probability bound 1/(t * k^(d-1)) of one run finding a depth-d bug.
    static func bound(threads t: Int, steps k: Int, depth d: Int) -> Double {
        1.0 / (Double(max(1, t)) * pow(Double(max(1, k)), Double(max(0, d - 1))))
    }
}

private func pow(_ x: Double, _ y: Double) -> Double {
    var r = 1.0
    var i = 0.0
    while i < y {
        r *= x
        i += 1
    }
    return r
}
