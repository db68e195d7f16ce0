import ArgumentParser

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
}
