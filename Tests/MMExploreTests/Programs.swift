// Small synthetic programs used by the tests: shared integer cells, a lock built on
// block/wake, and random straight-line programs whose outcome is their Mazurkiewicz
// trace (so counting distinct outcomes counts equivalence classes).
import MMExplore

func obj(_ i: Int) -> ObjectID { ObjectID(UInt64(i)) }

/// Shared state of one execution.
final class Cells {
    var v: [Int]
    var held: [Bool]
    var regs: [String: Int] = [:]
    init(_ n: Int = 8) {
        v = Array(repeating: 0, count: n)
        held = Array(repeating: false, count: n)
    }
}

/// A lock on cell `m`'s object (100 + m), implemented with block/wake as the model's
/// spin_lock is: an attempt reads the lock word and writes it only when it takes the lock.
/// `attempt: .write` records every attempt as a write (the model's rule before 78f5a1f).
func lock(_ t: ExecThread, _ c: Cells, _ m: Int, attempt: AccessKind = .read) async {
    while true {
        await t.step(obj(100 + m), attempt)
        if !c.held[m] {
            t.record(obj(100 + m), .write)
            c.held[m] = true
            return
        }
        await t.block(on: obj(100 + m))
    }
}

func unlock(_ t: ExecThread, _ c: Cells, _ m: Int) async {
    await t.step(obj(100 + m), .write)
    c.held[m] = false
    t.wake(obj(100 + m))
}

/// A non-atomic increment of cell `i`: read, then write.
func increment(_ t: ExecThread, _ c: Cells, _ i: Int) async {
    await t.step(obj(i), .read)
    let r = c.v[i]
    await t.step(obj(i), .write)
    c.v[i] = r + 1
}

/// The random source of the generated test programs: a 64-bit linear congruential
/// generator (Knuth's MMIX constants), so that a seed names the same program everywhere.
struct TestRandom {
    private var state: UInt64
    /// The generator of test case `seed` of one family of tests (`salt` keeps families
    /// apart).
    init(seed: Int, salt: UInt64) { state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ salt }
    /// A generator started at `state`.
    init(state: UInt64) { self.state = state }
    /// A number in `0..<k`.
    mutating func next(_ k: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(k))
    }
}

typealias Made<O> = (plan: ExecutionPlan, finish: (ExecutionEnd) -> O)

/// Builds `make` for a program over fresh `Cells`.
func program<O>(_ threads: [(ExecThread, Cells) async -> Void],
                prologue: ((ExecThread, Cells) async -> Void)? = nil,
                epilogue: ((ExecThread, Cells) async -> Void)? = nil,
                outcome: @escaping (Cells, ExecutionEnd) -> O) -> () -> Made<O> {
    return {
        let c = Cells()
        let plan = ExecutionPlan(
            prologue: prologue.map { p in { t in await p(t, c) } },
            threads: threads.enumerated()
                .map { (i, body) in (name: "T\(i)", body: { t in await body(t, c) }) },
            epilogue: epilogue.map { e in { t in await e(t, c) } })
        return (plan, { end in outcome(c, end) })
    }
}

/// Explores and returns the report.
func run<O: Hashable>(_ strategy: Strategy, jobs: Int = 1, bound: Int? = nil, max: Int? = nil,
                      stopAtFirst: Bool = false,
                      interesting: @escaping (O) -> Bool = { _ in false },
                      _ make: () -> Made<O>) -> ExploreReport<O> {
    explore(ExploreOptions(strategy: strategy, preemptionBound: bound, maxExecutions: max,
                           jobs: jobs,
                           stopAtFirstInteresting: stopAtFirst),
            testHash: 0xABCD, isInteresting: interesting, make: make)
}

func outcomeSet<O>(_ r: ExploreReport<O>) -> Set<O> { Set(r.outcomes.map { $0.outcome }) }

/// A random straight-line program: per thread, steps; per step, up to 3 accesses.
struct RandomProgram {
    var threads: [[[(object: Int, write: Bool)]]]
    /// Thread index that spawns one extra agent at its step `spawnAt`, if any.
    var spawner: Int?
    var spawnAt = 0
    var agent: [[(object: Int, write: Bool)]] = []

    init(seed: UInt64, threads n: Int, steps: Int, objects: Int, agent: Bool = false) {
        var random = TestRandom(state: seed)
        func next(_ k: Int) -> Int { random.next(k) }
        func step() -> [(object: Int, write: Bool)] {
            var s: [(object: Int, write: Bool)] = []
            for _ in 0..<(1 + next(2)) {
                let o = next(objects)
                if !s.contains(where: { $0.object == o }) { s.append((o, next(2) == 0)) }
            }
            return s
        }
        threads = (0..<n).map { _ in (0..<(1 + next(steps))).map { _ in step() } }
        if agent {
            spawner = next(n)
            spawnAt = next(threads[spawner!].count)
            self.agent = (0..<(1 + next(steps))).map { _ in step() }
        }
    }

    /// `make` whose outcome is the execution's trace up to equivalence: for every object,
    /// the sequence of writes, each followed by the set of reads that saw it.
    func make() -> () -> Made<String> {
        let prog = self
        return {
            let log = TraceLog()
            func body(_ steps: [[(object: Int, write: Bool)]], _ name: String,
                      spawnAt: Int?) -> (ExecThread) async -> Void {
                return { t in
                    for (k, s) in steps.enumerated() {
                        await t.step()
                        for a in s { t.record(obj(a.object), a.write ? .write : .read) }
                        for a in s { log.access(a.object, write: a.write, by: "\(name).\(k)") }
                        if spawnAt == k {
                            t.spawn("agent", body(prog.agent, "A", spawnAt: nil))
                        }
                    }
                }
            }
            let plan = ExecutionPlan(threads: prog.threads.enumerated().map { (i, steps) in
                (name: "T\(i)",
                 body: body(steps, "T\(i)", spawnAt: prog.spawner == i ? prog.spawnAt : nil))
            })
            return (plan, { _ in log.canonical() })
        }
    }
}

final class TraceLog {
    /// Per object: segments of (writer, readers).
    var segments: [Int: [(writer: String, readers: Set<String>)]] = [:]
    func access(_ o: Int, write: Bool, by who: String) {
        if write {
            segments[o, default: [("init", [])]].append((who, []))
        } else {
            var s = segments[o, default: [("init", [])]]
            s[s.count - 1].readers.insert(who)
            segments[o] = s
        }
    }
    func canonical() -> String {
        segments.keys.sorted().map { o in
            "\(o):" + segments[o]!.map {
                "\($0.writer)[\($0.readers.sorted().joined(separator: ","))]"
            }.joined(separator: ";")
        }.joined(separator: " ")
    }
}
