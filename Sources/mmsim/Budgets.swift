import ArgumentParser
import MMExplore

/// The per-test budgets shared by `run`, `check` and `matrix`: `--timeout` and
/// `--max-memory` are checked inside executions too (at scheduling points), so a single
/// runaway execution (`touch b len=16G write`) stops as well; the test is then reported
/// inconclusive (exit 4) unless something it found already decides it.
struct BudgetOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Stop exploring a test after this many seconds, also inside an execution.",
        valueName: "seconds"))
    var timeout: Double?

    @Option(name: .customLong("max-memory"), help: ArgumentHelp(
        "Stop a test when mmsim's resident memory exceeds SIZE (4096, 512M, 4G; 0: no limit).",
        valueName: "size"))
    var maxMemory: String = "4G"

    func validate() throws {
        if let t = timeout, !(t > 0) { throw ValidationError("--timeout must be positive") }
        _ = try maxMemoryBytes()
    }

    /// `--max-memory` in bytes, nil for no limit.
    func maxMemoryBytes() throws -> UInt64? {
        guard let bytes = BudgetOptions.parseSize(maxMemory) else {
            throw ValidationError("--max-memory takes a size such as 512M or 4G, not \(maxMemory)")
        }
        return bytes == 0 ? nil : bytes
    }

    /// Applies both budgets to `options`.
    func apply(to options: inout ExploreOptions) throws {
        options.timeout = timeout
        options.maxMemory = try maxMemoryBytes()
    }

    /// `4096`, `4K`, `512M`, `4G`, `1T` in bytes; nil when malformed or overflowing.
    static func parseSize(_ text: String) -> UInt64? {
        let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = Substring(text)
        var scale: UInt64 = 1
        if let last = digits.last, let unit = units[Character(last.uppercased())] {
            scale = unit
            digits = digits.dropLast()
        }
        guard let n = UInt64(digits) else { return nil }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: scale)
        return overflow ? nil : bytes
    }
}

/// The most `--jobs` accepted: each job is an OS thread with an 8 MiB stack, and more
/// workers than a large machine has cores only add threads that wait.
let maxJobs = 256
