import MMScenario

/// The sketches as one self-contained HTML page (inline CSS, no script, no network
/// resource): per sketch a table with a lane per thread and a line per kept note, in
/// execution order. A lane's cells are shaded while it holds a lock (blue) or runs with
/// interrupts off (orange), also across the lines where other threads run; the violating
/// note is marked red; cross-thread happens-before edges are listed under each table.
public enum SketchHTML {
    /// The page.
    public static func render(_ entries: [SketchList.Entry], title: String = "mmsim sketches")
        -> String {
        var out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
                   "<title>\(escape(title))</title>", "<style>", css, "</style></head><body>",
                   "<h1>\(escape(title))</h1>", legend]
        if entries.isEmpty { out.append("<p>No sketch: no violation and no witness.</p>") }
        for e in entries { out += table(e) }
        out.append("</body></html>")
        return out.joined(separator: "\n") + "\n"
    }

    static let css = """
        body { font-family: sans-serif; margin: 1em 2em; background: #fff; color: #111; }
        table { border-collapse: collapse; margin-bottom: 0.5em; }
        th, td { border: 1px solid #ccc; padding: 2px 8px; vertical-align: top;
                 font-family: monospace; font-size: 13px; }
        th { background: #eee; }
        td.n { color: #888; text-align: right; }
        td.irq { background: #ffe0b0; }
        td.lock { background: #d8e8ff; }
        td.focus { background: #ff9999; font-weight: bold; outline: 2px solid #c00; }
        td.stmt { font-weight: bold; }
        span.held { color: #555; font-size: 11px; }
        p.legend span { padding: 0 6px; }
        """

    static let legend = """
        <p class="legend">Lanes are threads, read top to bottom in execution order; only the \
        steps that happen before the one explained are kept. \
        <span style="background:#ffe0b0">interrupts off</span> \
        <span style="background:#d8e8ff">lock held</span> \
        <span style="background:#ff9999">the violating step</span> \
        × N = the same steps again for N pages.</p>
        """

    /// One sketch's heading and table.
    static func table(_ e: SketchList.Entry) -> [String] {
        let s = e.sketch
        var out = ["<h2>\(escape(e.test)): \(escape(e.title))</h2>",
                   "<p>\(s.keptSteps) of \(s.totalSteps) steps: the happens-before cone of "
                   + (s.focus == .violation ? "the violating step" : "the final state") + ".</p>",
                   "<table>", "<tr><th>#</th>"
                   + s.lanes.map { "<th>\(escape($0.name + " " + $0.cpu))</th>" }.joined()
                   + "</tr>"]
        let shade = spans(s)
        for (r, row) in s.rows.enumerated() {
            var cells = ["<td class=\"n\">\(r + 1)</td>"]
            for l in s.lanes.indices {
                if l != row.lane {
                    let css = cssClass(shade[l][r], focus: false, statement: false)
                    cells.append("<td\(css)></td>")
                    continue
                }
                var text = escape(row.text)
                if !row.held.isEmpty {
                    let held = escape(row.held.joined(separator: " "))
                    text = "<span class=\"held\">{\(held)}</span> " + text
                }
                if row.repeats > 1 {
                    text += row.blockLength == 1 ? " × \(row.repeats) pages"
                        : " (with the next \(row.blockLength - 1): × \(row.repeats) pages)"
                }
                cells.append("<td\(cssClass(row.held, focus: row.focus, statement: row.statement))>"
                             + text + "</td>")
            }
            out.append("<tr>" + cells.joined() + "</tr>")
        }
        out.append("</table>")
        if !s.edges.isEmpty {
            let list = s.edges.map { "\($0.from + 1) → \($0.to + 1)" }.joined(separator: ", ")
            out.append("<p>Happens-before across threads (a shared object, one side writing): "
                       + list + "</p>")
        }
        return out
    }

    /// Per lane and line, what the lane holds there: its own line's locks, and between two
    /// of its lines the locks both hold (the span continues while other threads run).
    static func spans(_ s: RaceSketch) -> [[[String]]] {
        var out = Array(repeating: Array(repeating: [String](), count: s.rows.count),
                        count: s.lanes.count)
        for l in s.lanes.indices {
            let mine = s.rows.indices.filter { s.rows[$0].lane == l }
            for (a, b) in zip(mine, mine.dropFirst()) where b > a + 1 {
                let both = s.rows[a].held.filter(s.rows[b].held.contains)
                for r in (a + 1)..<b { out[l][r] = both }
            }
        }
        return out
    }

    static func cssClass(_ held: [String], focus: Bool, statement: Bool) -> String {
        if focus { return " class=\"focus\"" }
        if held.contains(RaceSketch.irqOff) { return " class=\"irq\"" }
        if !held.isEmpty { return " class=\"lock\"" }
        if statement { return " class=\"stmt\"" }
        return ""
    }

    /// `s` as HTML text.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
