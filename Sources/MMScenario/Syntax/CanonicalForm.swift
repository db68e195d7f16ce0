/// The parsed test written out without anything a reformatting can change: no source
/// locations, no comments, no whitespace. Replay tokens hash this, so re-indenting a
/// test or adding a comment keeps its tokens valid while a change of meaning (a value,
/// a statement, the condition, the era or a knob, the threads) makes them refused.
extension LitmusTest {
    /// The canonical text: every field of the test except locations and the hashes.
    public var canonicalForm: String {
        var out = ""
        for (label, value) in Mirror(reflecting: self).children {
            guard let label, label != "sourceHash", label != "canonicalHash",
                  label != "location", label != "description" else { continue }
            out += label + "="
            Canonical.write(value, into: &out)
            out += "\n"
        }
        return out
    }

    /// FNV-1a of `canonicalForm`: the test hash replay tokens carry.
    public var canonicalHash: UInt32 { LitmusTest.fnv1a(canonicalForm) }
}

enum Canonical {
    /// Writes `value` recursively: structs and enum payloads field by field, leaves as
    /// their description; source locations are left out.
    static func write(_ value: Any, into out: inout String) {
        if value is SourceLocation { return }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            if let some = mirror.children.first {
                write(some.value, into: &out)
            } else {
                out += "nil"
            }
        case .struct, .class, .tuple:
            out += "("
            for child in mirror.children where !(child.value is SourceLocation) {
                out += (child.label ?? "") + ":"
                write(child.value, into: &out)
                out += ","
            }
            out += ")"
        case .enum:
            if let payload = mirror.children.first {
                out += (payload.label ?? "") + "("
                write(payload.value, into: &out)
                out += ")"
            } else {
                out += String(describing: value)
            }
        case .collection:
            out += "["
            for child in mirror.children {
                write(child.value, into: &out)
                out += ","
            }
            out += "]"
        case .dictionary, .set:
            var parts: [String] = []
            for child in mirror.children {
                var s = ""
                write(child.value, into: &s)
                parts.append(s)
            }
            out += "{" + parts.sorted().joined(separator: ",") + "}"
        default:
            out += String(reflecting: value)
        }
    }
}
