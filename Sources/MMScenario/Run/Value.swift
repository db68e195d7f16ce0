import MMKernel

/// A value a statement produced, held in a variable.
public enum Value: Hashable, Sendable, CustomStringConvertible {
    /// A number: an address, a count, 0, or a negative errno.
    case int(Int64)
    /// The signal that ended the thread at this statement.
    case signal(Signal)
    /// What `observe` recorded.
    case observation(Observation)
    /// A process (from `fork`), by MM id and name.
    case process(MMID, String)

    /// As printed in traces and verbose output.
    public var description: String {
        switch self {
        case .int(let v):
            if v < 0, let name = Errno.byName.first(where: { $0.value == Int(-v) })?.key {
                return "-\(name)"
            }
            return v >= 0x10000 ? "0x" + String(v, radix: 16) : String(v)
        case .signal(let s): return s.rawValue
        case .observation(let o):
            return "\(o.level) Rss=\(o.smaps.rss)kB AnonHugePages=\(o.smaps.anonHugePages)kB "
                + "VmFlags=\"\(o.smaps.vmFlags)\""
        case .process(_, let name): return name
        }
    }
}

/// One execution's variables: `init`'s and `finally`'s bare, each thread's under its name.
struct Variables {
    /// Scope name ("init", "T0", ..., "finally") → variable → value.
    var scopes: [String: [String: Value]] = [:]

    /// Looks `name` up from `scope`: the scope's own, then init's (and finally's for the
    /// final condition).
    func lookup(_ name: String, thread: String?, from scope: String) -> Value? {
        if let thread { return scopes[thread]?[name] }
        if let v = scopes[scope]?[name] { return v }
        if let v = scopes["finally"]?[name], scope == "final" { return v }
        return scopes["init"]?[name]
    }

    mutating func set(_ name: String, _ value: Value, in scope: String) {
        scopes[scope, default: [:]][name] = value
    }
}
