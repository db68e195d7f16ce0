import Foundation
import MMExplore

/// A `.litmus` test ready to explore: the entry point for using mmsim from Swift.
///
/// Load one from a file or a string, or build one with ``ScenarioBuilder``; then
/// ``explore(_:)`` runs every meaningfully different interleaving (DPOR by default) and
/// returns a typed ``Verdict``:
///
/// ```swift
/// let test = try Scenario(contentsOfFile: "scenarios/seeds/c2-2-ttm-gup-fast-vs-free-race.litmus")
/// let verdict = test.explore()
/// #expect(verdict.passed)
/// #expect(verdict.violations.contains("recycled-while-referenced"))
/// ```
///
/// A test that does not parse throws a ``ScenarioRunner/LoadError`` whose description is
/// one `FILE:LINE:COLUMN: error: ...` message, as on the command line.
public struct Scenario {
    /// The parsed test.
    public var test: LitmusTest { loaded.test }
    /// The test's name (after `MM`).
    public var name: String { loaded.test.name }
    /// The source it was parsed from.
    public var source: String { loaded.source }

    let loaded: ScenarioRunner.Loaded

    /// Parses `source`; `file` names it in messages.
    public init(source: String, file: String = "<swift>.litmus") throws {
        loaded = try ScenarioRunner.load(source: source, file: file)
    }

    /// Reads and parses the file at `path`.
    public init(contentsOfFile path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioRunner.LoadError(description: "\(path): error: cannot read: "
                                           + "\(error.localizedDescription)")
        }
        try self.init(source: text, file: path)
    }

    /// Builds the test's text with a ``ScenarioBuilder`` block and parses it:
    ///
    /// ```swift
    /// let test = try Scenario("gup-vs-free", kernel: "v5.10") {
    ///     InitBlock { "process P"; "dmabuf bo size=2M huge"
    ///                 "P: buf = mmap dmabuf:bo len=2M shared align=2M" }
    ///     ThreadBlock("T0", on: "P") { "g = gup buf pages=1 fast"; "put" }
    ///     ThreadBlock("T1", on: "P") { "munmap buf len=2M"; "free bo" }
    ///     FinalCondition.exists("T0:g == 1")
    ///     Expect.sometimes
    /// }
    /// ```
    public init(_ name: String, kernel: String,
                @ScenarioBuilder _ body: () -> [ScenarioPart]) throws {
        try self.init(source: ScenarioBuilder.source(name: name, kernel: kernel, parts: body()),
                      file: name + ".litmus")
    }

    /// Explores the test and judges its `expect` lines. The default is DPOR over every
    /// interleaving, as `mmsim check` does; pass `ExploreOptions` (from `MMExplore`) for a bound, a
    /// budget, another strategy or parallel workers.
    public func explore(_ options: ExploreOptions = ExploreOptions(strategy: .dpor)) -> Verdict {
        Verdict(report: ScenarioRunner.run(loaded, options: options))
    }

    /// Replays the execution a token (from a ``Verdict``) names: its outcome, the
    /// violations' descriptions and its full trace; nil when the token belongs to another
    /// test (tokens survive whitespace and comment edits, not changes of meaning).
    public func replay(token: String) -> (details: [String], trace: [String])? {
        ScenarioRunner.replay(loaded, token: token).map { ($0.details, $0.trace) }
    }
}
