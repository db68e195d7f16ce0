import ArgumentParser
import CHeapTuning

/// The `mmsim` command: run, explore and replay `.litmus` tests of Linux memory management.
@main
struct MMSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mmsim",
        abstract: "An executable model of how Linux maps, looks up, pins and tears down "
            + "device and special memory.",
        discussion: """
            Exit status: 0 when every expectation of every test holds, 1 when one does \
            not, 2 when a test is malformed or uses an op the model cannot run yet \
            (nothing is run then), 3 when the model's own invariants failed (an internal \
            error, reported apart with its trace), 4 when a budget (--timeout, \
            --max-memory, --max-executions) stopped an exploration before an expectation \
            could be decided and none failed (inconclusive), 5 when a setup step of a test \
            failed (e.g. an era refusing a resource the test needs; nothing after it ran). \
            A violation no expect line names fails its test.
            """,
        subcommands: [Run.self, Check.self, Replay.self, Matrix.self, GupMatrix.self, Entries.self,
                      Knobs.self, Bench.self, Oracle.self, Merge.self])

    /// Tunes the allocator, then parses the command line and runs the subcommand.
    static func main() {
        keepHeapTop()
        main(nil)
    }
}

/// Stops glibc's malloc from giving the top of the heap back to the kernel after every
/// free that leaves more than 128 KiB there, and has it grow the heap 64 MiB at a time.
/// An exploration builds and drops an execution's state thousands of times a second: with
/// the default thresholds each drop shrank the heap with `brk` and the next execution
/// faulted the same pages back in, zeroed (devdax bench shape: 34,808 `brk` calls for
/// 9,969 executions, a quarter of its wall time in the kernel). Memory freed stays in
/// malloc's free lists for the next execution; the resident size is the peak's, which the
/// memory budget (`--max-memory`) is about anyway.
private func keepHeapTop() {
    _ = mmsim_keep_heap_top(64 << 20)
}
