import MMScenario

/// The sketches' happens-before graphs in Graphviz's dot language: a cluster per sketch,
/// in it a cluster per thread whose notes are chained in program order, and the
/// cross-thread happens-before edges (conflicting accesses to a shared object) in red.
/// The violating note is filled red; notes made with locks held or interrupts off are
/// filled (IRQ-off orange, locks blue) and name what was held.
public enum SketchDot {
    /// The whole graph.
    public static func render(_ entries: [SketchList.Entry]) -> String {
        var out = ["digraph mmsim {",
                   "  rankdir=TB;",
                   "  node [shape=box, fontname=\"monospace\", fontsize=10];",
                   "  compound=true;"]
        for (k, e) in entries.enumerated() {
            out.append("  subgraph cluster_\(k) {")
            out.append("    label=\"\(escape(e.test + ": " + e.title))\";")
            for (l, lane) in e.sketch.lanes.enumerated() {
                out.append("    subgraph cluster_\(k)_\(l) {")
                out.append("      label=\"\(escape(lane.name + " " + lane.cpu))\"; style=dashed;")
                var previous: String?
                for (r, row) in e.sketch.rows.enumerated() where row.lane == l {
                    let id = "n\(k)_\(r)"
                    out.append("      \(id) [label=\"\(escape(label(row)))\"\(style(row))];")
                    if let p = previous { out.append("      \(p) -> \(id);") }
                    previous = id
                }
                out.append("    }")
            }
            for edge in e.sketch.edges {
                out.append("    n\(k)_\(edge.from) -> n\(k)_\(edge.to) [color=red, penwidth=1.5];")
            }
            out.append("  }")
        }
        out.append("}")
        return out.joined(separator: "\n") + "\n"
    }

    /// A node's text: the held context, the note, the repeat count.
    static func label(_ row: RaceSketch.Row) -> String {
        var text = SketchText.rowText(row)
        if row.repeats > 1 {
            text += row.blockLength == 1 ? "  × \(row.repeats) pages"
                : "  (with the next \(row.blockLength - 1): × \(row.repeats) pages)"
        }
        return text
    }

    /// A node's fill: the focus red, IRQ-off orange, locks blue.
    static func style(_ row: RaceSketch.Row) -> String {
        if row.focus { return ", style=filled, fillcolor=\"#ff9999\", penwidth=2" }
        if row.held.contains(RaceSketch.irqOff) { return ", style=filled, fillcolor=\"#ffe0b0\"" }
        if !row.held.isEmpty { return ", style=filled, fillcolor=\"#d8e8ff\"" }
        if row.statement { return ", style=bold" }
        return ""
    }

    /// `s` as the inside of a dot string.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
