import ArgumentParser
import Foundation
import MMExplore
import MMKernel

/// `mmsim bench`: benchmarks, faults per second by default.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: faults per second (default) and exploration at scale.",
        subcommands: [BenchFaults.self, BenchExplore.self], defaultSubcommand: BenchFaults.self)
}

/// `mmsim bench faults`: populate 1 GiB of anonymous memory with 4K pages in the model and
/// on the host kernel, in the same run, and print faults per second for both.
struct BenchFaults: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faults",
        abstract: "Measure faults per second: the model populating 1 GiB with 4K pages vs. "
            + "this machine's kernel doing the same.")

    @Option(name: .long, help: "Bytes to populate, in MiB.")
    var mib: Int = 1024

    @Option(name: .long, help: "Repetitions; the best is reported.")
    var repetitions: Int = 3

    @Flag(name: .long, help: "Skip the explorer's own throughput figures.")
    var noExplorer = false

    func validate() throws {
        guard mib >= 2 && mib <= 2048 else { throw ValidationError("--mib must be 2...2048") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be >= 1") }
    }

    func run() throws {
        let bytes = UInt64(mib) << 20
        var best = (faults: 0, seconds: Double.infinity)
        for _ in 0..<repetitions {
            let r = BenchFaults.model(bytes: bytes)
            if r.seconds < best.seconds { best = r }
        }
        var host = (faults: 0, seconds: Double.infinity)
        for _ in 0..<repetitions {
            let r = BenchFaults.host(bytes: bytes)
            if r.seconds < host.seconds { host = r }
        }
        print("populate \(mib) MiB of anon memory with 4K pages (MADV_NOHUGEPAGE), best of "
              + "\(repetitions)")
        print(row("model (v6.1, release)", best.faults, best.seconds))
        print(row("host kernel \(BenchFaults.uname())", host.faults, host.seconds))
        if !noExplorer {
            let x = selfBenchmark(threads: 2, steps: 20, seconds: 1.0)
            print("explorer: 2 threads x 20 steps: \(Int(x.executionsPerSecond)) executions/s, "
                  + "\(Int(x.stepsPerSecond)) steps/s")
            let m = BenchFaults.modelExploration(runs: 2000)
            print("model: 2 threads x 20 user accesses (v6.1, TLB hits and walks), random order: "
                  + "\(m.executions) executions, \(m.steps / max(m.executions, 1)) steps each, "
                  + "\(Int(Double(m.executions) / m.seconds)) executions/s, "
                  + "\(Int(Double(m.steps) / m.seconds)) steps/s")
        }
    }

    func row(_ what: String, _ faults: Int, _ s: Double) -> String {
        let rate = s > 0 ? Int(Double(faults) / s) : 0
        return "  \(what.padding(toLength: 34, withPad: " ", startingAt: 0)) \(faults) faults "
            + "in \(String(format: "%.3f", s)) s = \(rate) faults/s"
    }

    /// The model: one thread maps 1 GiB with MAP_POPULATE in a v6.1 kernel with THP off,
    /// run by the explorer's sequential executor (scheduling points included).
    static func model(bytes: UInt64) -> (faults: Int, seconds: Double) {
        let kernel = Kernel(config: KernelConfig(era: .v6_1, overrides: [(.thpAlways, false)]))
        var seconds = 0.0
        var faultsBefore = 0
        let plan = ExecutionPlan(threads: [(name: "T0", body: { exec in
            let t = KTask(exec: exec, name: "T0", cpu: 0, mm: nil)
            let mm = await kernel.createProcess(t, name: "P")!
            t.mm = mm
            var req = MmapRequest(target: .anon, length: bytes)
            req.populate = true
            faultsBefore = kernel.stats.faults
            let start = DispatchTime.now().uptimeNanoseconds
            let addr = await kernel.mmap(t, mm: mm, req)
            seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            precondition(addr > 0, "model mmap failed: \(addr)")
        })])
        _ = explore(ExploreOptions(strategy: .sequential), testHash: 0,
                    isInteresting: { (_: Int) in false }, make: { (plan, { _ in 0 }) })
        return (kernel.stats.faults - faultsBefore, seconds)
    }

    /// The model under the explorer: each execution boots a v6.1 kernel, maps four pages
    /// and writes them on cpu0 (alone), then T0 (cpu0) stores and T1 (cpu1) loads 20 times
    /// each over those pages, in a random order per execution. Counts only the explored
    /// executions, kernel boot included, as `mmsim check` pays for it.
    static func modelExploration(runs: Int) -> (executions: Int, steps: Int, seconds: Double) {
        let config = KernelConfig(era: .v6_1, overrides: [(.thpAlways, false)])
        let base: UInt64 = 0x7f00_0000_0000
        let r = explore(ExploreOptions(strategy: .random(seed: 1, runs: runs)), testHash: 0,
                        isInteresting: { (_: Int) in false }, make: {
            let kernel = Kernel(config: config)
            var mm: MMID?
            let plan = ExecutionPlan(
                prologue: { exec in
                    let t = KTask(exec: exec, name: "init", cpu: 0, mm: nil)
                    guard let p = await kernel.createProcess(t, name: "P") else { return }
                    mm = p
                    t.mm = p
                    var req = MmapRequest(target: .anon, length: 4 * 4096)
                    req.placement = .at(base)
                    _ = await kernel.mmap(t, mm: p, req)
                    for i in 0..<4 { _ = await kernel.store(t, base + UInt64(i) * 4096, 1) }
                },
                threads: [
                    (name: "T0", body: { exec in
                        let t = KTask(exec: exec, name: "T0", cpu: 0, mm: mm)
                        for i in 0..<20 {
                            _ = await kernel.store(t, base + UInt64(i % 4) * 4096, 2)
                        }
                    }),
                    (name: "T1", body: { exec in
                        let t = KTask(exec: exec, name: "T1", cpu: 1, mm: mm)
                        for i in 0..<20 { _ = await kernel.load(t, base + UInt64(i % 4) * 4096) }
                    }),
                ])
            return (plan, { _ in 0 })
        })
        return (r.executions, r.totalSteps, r.elapsed)
    }

    /// The host: mmap, MADV_NOHUGEPAGE, MADV_POPULATE_WRITE (or a write per page where
    /// the kernel lacks it); faults counted by getrusage's minor faults.
    static func host(bytes: UInt64) -> (faults: Int, seconds: Double) {
        let len = Int(bytes)
        guard let p = mmap(nil, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              p != MAP_FAILED else { return (0, 0) }
        defer { munmap(p, len) }
        _ = madvise(p, len, 15)  // MADV_NOHUGEPAGE
        var before = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        let start = DispatchTime.now().uptimeNanoseconds
        if madvise(p, len, 23) != 0 {  // MADV_POPULATE_WRITE (Linux 5.14+)
            let bytes = p.assumingMemoryBound(to: UInt8.self)
            for off in stride(from: 0, to: len, by: 4096) { bytes[off] = 1 }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &after)
        return (after.ru_minflt - before.ru_minflt, seconds)
    }

    static func uname() -> String {
        var u = utsname()
        Glibc.uname(&u)
        return withUnsafeBytes(of: &u.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
