import MMKernel

/// One thing a real kernel shows user space about one statement, as text: a mapping
/// level, an smaps counter in kB, VmFlags, a pagemap bit, an errno, a signal, data read
/// back. Both sides of a comparison are reduced to the same text.
public struct OracleObservable: Codable, Hashable, Sendable {
    /// `T0:3.Rss`: statement id and field.
    public var id: String
    /// Source line of the statement.
    public var line: Int
    /// The op (`observe`, `load`, ...).
    public var op: String
    /// The value.
    public var value: String

    /// Creates an observable.
    public init(id: String, line: Int, op: String, value: String) {
        self.id = id
        self.line = line
        self.op = op
        self.value = value
    }
}

/// Reducing each side's results to observables.
public enum OracleObservables {
    /// The observe fields compared, in order. Values: smaps counters in kB; `present`
    /// and `file` 0/1; `pfn` only `0` or `nonzero` (frame numbers differ between a model
    /// and a machine, whether there is one does not).
    public static let observeFields = ["level", "Rss", "AnonHugePages", "FilePmdMapped",
                                       "Anonymous",
                                       "VmFlags", "present", "file", "pfn"]

    /// The model's observables of a plan, from `OracleModelRun.values`.
    public static func model(_ plan: OraclePlan, _ values: [String: Value]) -> [OracleObservable] {
        var out: [OracleObservable] = []
        for s in plan.statements {
            guard let v = values[s.id] else { continue }
            let op = s.statement.op.name
            func add(_ field: String, _ value: String) {
                out.append(OracleObservable(id: "\(s.id).\(field)", line: s.statement.location.line,
                                            op: op, value: value))
            }
            switch (s.statement.op, v) {
            case (.process, _), (.fork, _), (.assert, _), (.pmem, _), (.disk, _), (.mkfs,
                                                                                   _), (.file, _):
                continue
            case (.observe, .observation(let o)):
                add("level", o.level)
                add("Rss", String(o.smaps.rss))
                add("AnonHugePages", String(o.smaps.anonHugePages))
                add("FilePmdMapped", String(o.smaps.filePmdMapped))
                add("Anonymous", String(o.smaps.anonymous))
                add("VmFlags", o.smaps.vmFlags)
                add("present", o.pagemap.present ? "1" : "0")
                add("file", o.pagemap.file ? "1" : "0")
                add("pfn", o.pagemap.pfn == Pfn(0) ? "0" : "nonzero")
            case (_, .signal(let sig)):
                add(s.statement.op.name == "load" ? "value" : "ret", sig.rawValue)
            case (.load, .int(let n)):
                add("value", String(UInt64(bitPattern: n)))
            case (.mmap, .int(let n)):
                add("ret", n >= 0 ? "address" : errnoText(Int(-n)))
            case (_, .int(let n)):
                add("ret", n >= 0 ? String(n) : errnoText(Int(-n)))
            default:
                continue
            }
        }
        return out
    }

    /// The kernel's observables of a plan from the guest's lines, each a statement's JSON
    /// object with its values as text, keyed by `OracleStatement.id`.
    public static func kernel(_ plan: OraclePlan,
                              _ lines: [String: [String: String]]) -> [OracleObservable] {
        var out: [OracleObservable] = []
        for s in plan.statements {
            guard let l = lines[s.id] else { continue }
            let op = s.statement.op.name
            func add(_ field: String, _ value: String) {
                out.append(OracleObservable(id: "\(s.id).\(field)", line: s.statement.location.line,
                                            op: op, value: value))
            }
            switch s.statement.op {
            case .process, .fork, .assert, .pmem, .disk, .mkfs, .file:
                continue
            case .observe:
                for f in observeFields {
                    guard var v = l[f] else { continue }
                    if f == "level" && v == "?" { continue }  // not observable (VM_PFNMAP)
                    if f == "pfn" { v = v == "0" ? "0" : "nonzero" }
                    add(f, v)
                }
            default:
                let field = op == "load" ? "value" : "ret"
                if let sig = l["signal"] { add(field, sig) }
                else if let e = l["errno"] { add(field, "-" + e) }
                else if let v = l["value"] { add(field, v) }
                else if let r = l["ret"] { add(field, op == "mmap" ? "address" : r) }
            }
        }
        return out
    }

    /// `-EFAULT` for 14; the number when the model has no name for it.
    static func errnoText(_ code: Int) -> String {
        "-" + (Errno.byName.first(where: { $0.value == code })?.key ?? String(code))
    }
}
