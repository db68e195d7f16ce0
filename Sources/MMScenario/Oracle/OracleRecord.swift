import MMKernel

/// What one real kernel showed for one test: committed as Tests/oracle/SERIES/NAME.json,
/// so the model is compared with it on every change without QEMU.
public struct OracleRecord: Codable, Hashable, Sendable {
    /// The test file, relative to the package root.
    public var scenario: String
    /// The test's name.
    public var name: String
    /// FNV-1a of the test's source: a record is only valid for the text it was run from.
    public var sourceHash: UInt32
    /// The kernel series asked for (`6.1`).
    public var kernel: String
    /// `uname -r` in the guest.
    public var release: String
    /// The Debian package the image came from, with its version.
    public var package: String
    /// The model era the series is compared with.
    public var era: String
    /// Every observable, with the model's value at recording time and, when the two
    /// differ, why.
    public var observables: [RecordedObservable]

    /// Creates a record.
    public init(scenario: String, name: String, sourceHash: UInt32, kernel: String, release: String,
                package: String, era: String, observables: [RecordedObservable]) {
        self.scenario = scenario
        self.name = name
        self.sourceHash = sourceHash
        self.kernel = kernel
        self.release = release
        self.package = package
        self.era = era
        self.observables = observables
    }
}

/// One observable of a record.
public struct RecordedObservable: Codable, Hashable, Sendable {
    /// `T0:3.Rss`.
    public var id: String
    /// Source line.
    public var line: Int
    /// The op.
    public var op: String
    /// What the real kernel showed.
    public var kernel: String
    /// What the model gave when recorded (nil: the model had no value, e.g. its thread died).
    public var model: String?
    /// Why the two differ, with the kernel source that causes it; required for a
    /// disagreement to be accepted.
    public var explained: String?

    /// Creates one.
    public init(id: String, line: Int, op: String, kernel: String, model: String?,
                explained: String?) {
        self.id = id
        self.line = line
        self.op = op
        self.kernel = kernel
        self.model = model
        self.explained = explained
    }
}

/// A human-maintained explanation of a known disagreement (Tests/oracle/explanations.json):
/// copied into every record whose observable matches.
public struct OracleExplanation: Codable, Hashable, Sendable {
    /// The test's name.
    public var name: String
    /// The observable's id.
    public var id: String
    /// Kernel series it applies to; nil: every series.
    public var kernels: [String]?
    /// The kernel's value.
    public var kernelValue: String
    /// The model's value.
    public var modelValue: String
    /// Why, with the kernel source (file and function) that causes it.
    public var reason: String
}

/// One observable's verdict.
public struct OracleVerdict: Codable, Hashable, Sendable {
    /// `T0:3.Rss`.
    public var id: String
    /// Source line.
    public var line: Int
    /// The op.
    public var op: String
    /// The kernel's value (nil: the kernel has none).
    public var kernel: String?
    /// The model's value (nil: the model has none).
    public var model: String?
    /// The recorded explanation, when they differ and it matches.
    public var explained: String?

    /// Creates a verdict.
    public init(id: String, line: Int, op: String, kernel: String?, model: String?,
                explained: String?) {
        self.id = id
        self.line = line
        self.op = op
        self.kernel = kernel
        self.model = model
        self.explained = explained
    }

    /// The two agree.
    public var agrees: Bool { kernel == model }
}

/// Comparing the two sides.
public enum OracleCompare {
    /// One verdict per observable of either side, in the kernel's order then the
    /// model's extras. Explanations apply when their values match exactly.
    public static func compare(kernel: [OracleObservable], model: [OracleObservable],
                               explanations: [String: (kernel: String, model: String,
                                                       reason: String)] = [:])
        -> [OracleVerdict]
    {
        let m = Dictionary(model.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var seen = Set<String>()
        var out: [OracleVerdict] = []
        for k in kernel {
            seen.insert(k.id)
            let mv = m[k.id]?.value
            var v = OracleVerdict(id: k.id, line: k.line, op: k.op, kernel: k.value, model: mv,
                                  explained: nil)
            if !v.agrees, let e = explanations[k.id], e.kernel == k.value,
               e.model == (mv ?? "none") {
                v.explained = e.reason
            }
            out.append(v)
        }
        for o in model where !seen.contains(o.id) {
            // The kernel has nothing where the model has a value: only a level in a
            // VM_PFNMAP vma is legitimately unobservable (pagemap skips it).
            if o.id.hasSuffix(".level"),
               kernel.contains(where: {
                   $0.id == o.id.replacingLevel("VmFlags")
                       && $0.value.split(separator: " ").contains("pf")
               }) {
                continue
            }
            out.append(OracleVerdict(id: o.id, line: o.line, op: o.op, kernel: nil, model: o.value,
                                     explained: nil))
        }
        return out
    }

    /// A record's verdicts against a fresh model run: an observable agrees, or its
    /// recorded explanation is for exactly this pair of values.
    public static func check(_ record: OracleRecord, model: [OracleObservable]) -> [OracleVerdict] {
        var ex: [String: (kernel: String, model: String, reason: String)] = [:]
        for o in record.observables {
            if let why = o.explained { ex[o.id] = (o.kernel, o.model ?? "none", why) }
        }
        let kernel = record.observables.map {
            OracleObservable(id: $0.id, line: $0.line, op: $0.op, value: $0.kernel)
        }
        return compare(kernel: kernel, model: model, explanations: ex)
    }
}

extension String {
    /// `T0:3.level` → `T0:3.FIELD`.
    fileprivate func replacingLevel(_ field: String) -> String {
        guard let dot = lastIndex(of: ".") else { return self }
        return String(self[..<dot]) + "." + field
    }
}
