import MMExplore

/// Builds a `RaceSketch` from a replayed execution's trace steps and their footprints.
public enum SketchBuilder {
    /// The sketch of the first violation in `steps` (the first step with a `!!` note), or
    /// nil when no step has one.
    public static func violation(_ steps: [TraceStep], cpuOf: (String) -> String) -> RaceSketch? {
        guard let f = steps.firstIndex(where: { $0.notes.contains { $0.hasPrefix("!! ") } }) else {
            return nil
        }
        let kept: Set<Int>
        switch steps[f].threadName {
        case "init":
            // Nothing ran beside init: its steps up to the violation are the cone.
            kept = Set((0...f).filter { steps[$0].threadName == "init" })
        case "finally":
            // Every concurrent step precedes finally; its own steps are not recorded, so
            // the violating step stands for them.
            kept = Set(steps.indices.filter { isThreadStep(steps[$0]) }).union([f])
        default:
            kept = cone(steps, upTo: f, threads: [steps[f].threadName])
        }
        return build(steps, kept: kept, focus: .violation, focusStep: f, cpuOf: cpuOf)
    }

    /// The sketch of a final state: the cone of the last step of each thread in `threads`
    /// (the threads whose variables the condition names; every thread when empty).
    public static func finalState(_ steps: [TraceStep], threads: Set<String>,
                                  cpuOf: (String) -> String) -> RaceSketch {
        let names = threads.isEmpty
            ? Set(steps.filter(isThreadStep).map(\.threadName)) : threads
        let kept = steps.isEmpty ? [] : cone(steps, upTo: steps.count - 1, threads: names)
        return build(steps, kept: kept, focus: .finalState, focusStep: nil, cpuOf: cpuOf)
    }

    /// A step of the threads' phase (not init or finally).
    static func isThreadStep(_ s: TraceStep) -> Bool {
        s.threadName != "init" && s.threadName != "finally"
    }

    /// The steps of the threads' phase up to `last` that happen before it: program order
    /// within each thread in `threads` (and each thread that joins the cone), and steps
    /// whose footprint conflicts with a later step of the cone, or whose use of a wait
    /// queue (block, wake, woken step) conflicts with a later step's use of it (queues and
    /// data are apart, as in the explorer).
    static func cone(_ steps: [TraceStep], upTo last: Int, threads: Set<String>) -> Set<Int> {
        var inCone = threads
        var touched: [ObjectID: AccessKind] = [:]
        var queues: [ObjectID: AccessKind] = [:]
        var kept = Set<Int>()
        func conflicts(_ fp: Footprint, _ seen: [ObjectID: AccessKind]) -> Bool {
            (0..<fp.count).contains { k in
                guard let kind = seen[fp[k].object] else { return false }
                return Access(fp[k].object, kind).conflicts(with: fp[k])
            }
        }
        func note(_ fp: Footprint, in seen: inout [ObjectID: AccessKind]) {
            for k in 0..<fp.count {
                let a = fp[k]
                seen[a.object] = seen[a.object].map { $0.joined(a.kind) } ?? a.kind
            }
        }
        for i in stride(from: last, through: 0, by: -1) where isThreadStep(steps[i]) {
            let s = steps[i]
            guard inCone.contains(s.threadName) || conflicts(s.footprint, touched)
                    || conflicts(s.waits, queues) else { continue }
            kept.insert(i)
            inCone.insert(s.threadName)
            note(s.footprint, in: &touched)
            note(s.waits, in: &queues)
        }
        return kept
    }

    /// Rows, lanes and edges of the kept steps.
    static func build(_ steps: [TraceStep], kept: Set<Int>, focus: RaceSketch.Focus,
                      focusStep: Int?, cpuOf: (String) -> String) -> RaceSketch {
        var held: [String: [String]] = [:]
        var statement: [String: (text: String, shown: Bool)] = [:]
        var laneIndex: [String: Int] = [:]
        var lanes: [RaceSketch.Lane] = []
        var rows: [RaceSketch.Row] = []
        func lane(_ name: String) -> Int {
            if let l = laneIndex[name] { return l }
            laneIndex[name] = lanes.count
            lanes.append(RaceSketch.Lane(name: name, cpu: cpuOf(name)))
            return lanes.count - 1
        }
        for (i, s) in steps.enumerated() {
            let name = s.threadName
            for note in s.notes {
                if LockNotes.apply(note, to: &held[name, default: []]) { continue }
                let isStatement = note.hasPrefix("» ")
                if isStatement { statement[name] = (note, false) }
                guard kept.contains(i) else { continue }
                if isStatement { statement[name]?.shown = true }
                // A step shown without its statement's start: show that first.
                if !isStatement, let st = statement[name], !st.shown {
                    statement[name]?.shown = true
                    rows.append(RaceSketch.Row(lane: lane(name), text: st.text, step: i, held: [],
                                               statement: true, focus: false, repeats: 1,
                                               blockLength: 1))
                }
                let isFocus = i == focusStep && note.hasPrefix("!! ")
                rows.append(RaceSketch.Row(lane: lane(name), text: note, step: i,
                                           held: held[name] ?? [], statement: isStatement,
                                           focus: isFocus, repeats: 1, blockLength: 1))
            }
        }
        rows = collapse(rows)
        return RaceSketch(focus: focus, lanes: lanes, rows: rows,
                          edges: edges(steps, rows: rows), totalSteps: steps.count,
                          keptSteps: kept.count)
    }

    /// A block of 1 to 8 rows repeated 3 or more times in a row, numbers aside (same
    /// lanes, same held locks), becomes its first occurrence marked with `repeats`.
    static func collapse(_ rows: [RaceSketch.Row]) -> [RaceSketch.Row] {
        let keys = rows.map { r in
            "\(r.lane)|\(r.focus)|" + maskNumbers(r.held.joined(separator: ",") + "|" + r.text)
        }
        var out: [RaceSketch.Row] = []
        var i = 0
        while i < rows.count {
            var best = (k: 0, reps: 1)
            for k in 1...8 where i + 2 * k <= rows.count {
                var reps = 1
                while i + (reps + 1) * k <= rows.count
                    && keys[(i + reps * k)..<(i + (reps + 1) * k)] == keys[i..<(i + k)] {
                    reps += 1
                }
                if reps >= 3 && reps * k > best.reps * best.k { best = (k, reps) }
            }
            if best.k == 0 {
                out.append(rows[i])
                i += 1
                continue
            }
            var block = Array(rows[i..<(i + best.k)])
            block[0].repeats = best.reps
            block[0].blockLength = best.k
            out += block
            i += best.reps * best.k
        }
        return out
    }

    /// For each kept step, an edge from the latest earlier kept step of each other lane
    /// whose footprint conflicts with it or that wrote a wait queue it wrote.
    static func edges(_ steps: [TraceStep], rows: [RaceSketch.Row]) -> [RaceSketch.Edge] {
        // First and last row of each step, in order.
        var spans: [(step: Int, lane: Int, first: Int, last: Int)] = []
        for (r, row) in rows.enumerated() {
            if let l = spans.last, l.step == row.step { spans[spans.count - 1].last = r }
            else { spans.append((row.step, row.lane, r, r)) }
        }
        var out: [RaceSketch.Edge] = []
        for (j, later) in spans.enumerated() {
            var lanesDone = Set<Int>([later.lane])
            for earlier in spans[..<j].reversed() where !lanesDone.contains(earlier.lane) {
                if steps[earlier.step].dependent(steps[later.step]) {
                    lanesDone.insert(earlier.lane)
                    out.append(RaceSketch.Edge(from: earlier.last, to: later.first))
                }
            }
        }
        return out
    }

    /// `s` with every number (decimal or hex) replaced by `#`.
    public static func maskNumbers(_ s: String) -> String {
        var out = ""
        var inNumber = false
        for c in s {
            let digit = c.isNumber || (inNumber && (c.isHexDigit || c == "x"))
            if digit {
                if !inNumber { out.append("#") }
                inNumber = true
            } else {
                inNumber = false
                out.append(c)
            }
        }
        return out
    }
}
