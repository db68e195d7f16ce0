import MMScenario

/// The race sketch as text: one column per thread or agent, each kept note on its own
/// line starting in its thread's column (so the interleaving reads top to bottom), the
/// locks held and IRQ-off shown as `{...}` before the note when they change (`│` while the
/// same ones stay held), a repeated block followed by
/// `× N pages`. At most `maxLines` lines of at most 99 columns.
public enum SketchText {
    /// The lines of `sketch`, `title` first. Rows that do not fit in `maxLines` are left
    /// out from the middle (the start of each statement near the top, the steps leading
    /// to the focus at the bottom), saying how many.
    public static func render(_ sketch: RaceSketch, title: String, maxLines: Int = 40,
                              width: Int = 99) -> [String] {
        let step = laneStep(sketch.lanes.count, width: width)
        let header = sketch.lanes.enumerated().reduce(into: "") { line, lane in
            let label = "\(lane.element.name) \(lane.element.cpu)"
            let at = 2 + lane.offset * step
            if line.count < at { line += String(repeating: " ", count: at - line.count) }
            else if !line.isEmpty { line += " " }
            line += label
        }
        let blocks = rowBlocks(sketch, step: step, width: width)
        let titleLines = wrapTitle(title, width: width)
        let budget = maxLines - titleLines.count - 1
        let total = blocks.reduce(0) { $0 + $1.count }
        var body: [String]
        if total <= budget {
            body = blocks.flatMap { $0 }
        } else {
            // Keep a quarter of the room for the start, the rest for the end.
            var head: [String] = []
            var i = 0
            while i < blocks.count && head.count + blocks[i].count <= (budget - 1) / 4 {
                head += blocks[i]
                i += 1
            }
            var tail: [String] = []
            var j = blocks.count
            while j > i && head.count + tail.count + blocks[j - 1].count <= budget - 1 {
                tail = blocks[j - 1] + tail
                j -= 1
            }
            let skipped = j - i
            body = head + ["  ⋮ \(skipped) more line\(skipped == 1 ? "" : "s") of the cone "
                           + "(--verbose prints the whole trace)"] + tail
        }
        return titleLines + [header] + body
    }

    /// Columns between two lanes: room for a short note in every lane but the last.
    static func laneStep(_ lanes: Int, width: Int) -> Int {
        lanes <= 1 ? 0 : min(36, (width - 40) / (lanes - 1))
    }

    /// The lines of each row (a row wraps within its lane and the columns right of it).
    static func rowBlocks(_ sketch: RaceSketch, step: Int, width: Int) -> [[String]] {
        var out: [[String]] = []
        var lastHeld: [Int: [String]] = [:]
        for (r, row) in sketch.rows.enumerated() {
            let pad = String(repeating: " ", count: 2 + row.lane * step)
            // The locks are spelled out when they change; `│` while the same ones are held.
            let same = !row.held.isEmpty && lastHeld[row.lane] == row.held
            var text = same ? "│ " + row.text : rowText(row)
            lastHeld[row.lane] = row.held
            if row.repeats > 1 && row.blockLength == 1 { text += "  × \(row.repeats) pages" }
            let lines = TextReport.wrap(text, indent: 2, width: width - pad.count)
            out.append(lines.map { pad + $0 })
            // A repeated block of several rows: the count after its last row.
            if let start = blockStart(sketch, endingAt: r) {
                let first = sketch.rows[start]
                out[out.count - 1].append(String(repeating: " ", count: 2 + first.lane * step)
                    + "× \(first.repeats) pages: the \(first.blockLength) lines above")
            }
        }
        return out
    }

    /// A row's note with its context: `{ptl[3] irq-off}` before it when locks are held.
    public static func rowText(_ row: RaceSketch.Row) -> String {
        (row.held.isEmpty ? "" : "{" + row.held.joined(separator: " ") + "} ") + row.text
    }

    /// The first row of a repeated block of several rows that ends at row `r`, if any.
    static func blockStart(_ sketch: RaceSketch, endingAt r: Int) -> Int? {
        for k in 2...8 where r - k + 1 >= 0 {
            let s = sketch.rows[r - k + 1]
            if s.blockLength == k && s.repeats > 1 { return r - k + 1 }
        }
        return nil
    }

    static func wrapTitle(_ title: String, width: Int) -> [String] {
        TextReport.wrap(title, indent: 2, width: width)
    }

    /// The title of a sketch: what it explains and how much of the execution it keeps.
    public static func title(_ sketch: RaceSketch, what: String) -> String {
        let kind = sketch.focus == .violation ? "the violating step" : "the final state"
        return "\(what) — happens-before cone of \(kind): \(sketch.keptSteps) of "
            + "\(sketch.totalSteps) steps:"
    }
}
