// The simple strategies: sequential, replay of a schedule, uniform random.

/// The thread that keeps running when nothing else is decided: the previous one if it
/// is still enabled (no preemption), else the lowest-index enabled thread.
@inline(__always)
func defaultChoice(_ enabled: UInt64, last: Int) -> Int {
    if last >= 0 && enabled & (1 << UInt64(last)) != 0 { return last }
    return enabled.trailingZeroBitCount
}

/// Runs each thread until it ends or blocks, then the lowest-index enabled thread.
final class SequentialChooser: Chooser {
    func choose(_ x: Execution, enabled: UInt64) -> Int {
        defaultChoice(enabled, last: x.last)
    }
}

/// Follows a schedule's choices; where they run out or name a thread that is not
/// enabled (a token from another test or model version), falls back to the default
/// choice and remembers that the schedule was not followed.
final class ReplayChooser: Chooser {
    let choices: [Int]
    private var next = 0
    private(set) var diverged = false

    init(_ schedule: Schedule) { choices = schedule.choices }

    func choose(_ x: Execution, enabled: UInt64) -> Int {
        if enabled & (enabled - 1) == 0 { return enabled.trailingZeroBitCount }
        if next < choices.count {
            let c = choices[next]
            next += 1
            if c >= 0 && c < 64 && enabled & (1 << UInt64(c)) != 0 { return c }
        }
        diverged = true
        return defaultChoice(enabled, last: x.last)
    }

    /// True when every choice was used as given and none was missing.
    var followed: Bool { !diverged && next == choices.count }
}

/// SplitMix64: small, fast, and good enough to pick threads; seeded, so deterministic.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (n > 0); the modulo bias is negligible for thread counts.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    /// The seed of run `run` of an exploration seeded with `seed`: runs are independent,
    /// so parallel workers can take any subset of them and still agree with one worker.
    static func seed(_ seed: UInt64, run: Int) -> UInt64 {
        var g = SplitMix64(seed: seed ^ (UInt64(run) &* 0xD1B5_4A32_D192_ED03))
        return g.next()
    }
}

/// Picks uniformly among the enabled threads at every choice point.
final class RandomChooser: Chooser {
    private var rng: SplitMix64
    private let bound: Int?
    private var preemptions = 0

    init(seed: UInt64, preemptionBound: Int?) {
        rng = SplitMix64(seed: seed)
        bound = preemptionBound
    }

    func choose(_ x: Execution, enabled: UInt64) -> Int {
        if enabled & (enabled - 1) == 0 { return enabled.trailingZeroBitCount }
        let last = x.last
        let lastEnabled = last >= 0 && enabled & (1 << UInt64(last)) != 0
        if let bound, lastEnabled, preemptions >= bound { return last }
        let pick = nthSetBit(enabled, rng.below(enabled.nonzeroBitCount))
        if lastEnabled && pick != last { preemptions += 1 }
        return pick
    }
}

/// Index of the `n`-th (0-based) set bit of `mask`.
func nthSetBit(_ mask: UInt64, _ n: Int) -> Int {
    var m = mask
    for _ in 0..<n { m &= m - 1 }
    return m.trailingZeroBitCount
}
