import MMScenario

/// The sketches a set of reports carries, titled, in report order: each test's violation
/// sketch, then its witnesses' and counterexamples' (the pictures draw these).
public enum SketchList {
    /// One sketch with the test it belongs to and what it explains.
    public struct Entry {
        /// The test's name.
        public var test: String
        /// "Race sketch (first violation)", "Witness sketch (T0:g=1;)" ...
        public var title: String
        /// The sketch.
        public var sketch: RaceSketch
    }

    /// Every sketch of `reports`.
    public static func entries(_ reports: [TestReport]) -> [Entry] {
        var out: [Entry] = []
        for r in reports {
            if r.replayToken != nil, let s = r.sketch {
                out.append(Entry(test: r.name, title: "Race sketch (first violation)", sketch: s))
            }
            for w in r.witnesses where w.token != r.replayToken {
                guard let s = w.sketch else { continue }
                let label = w.role == "witness" ? "Witness sketch" : "Counterexample sketch"
                let state = w.state.map { $0 + ";" }.joined(separator: " ")
                out.append(Entry(test: r.name, title: "\(label) (\(state))", sketch: s))
            }
        }
        return out
    }
}
