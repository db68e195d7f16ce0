/// Whether an op runs in a process (and so needs `PROC:` in `init`/`finally`).
enum ProcessContext {
    /// It acts on an address space: `mmap`, `load`, `gup`, ...
    case required
    /// It may name the calling process but does not need one (`unpin`, `put`,
    /// `process_vm_readv`, whose remote process is an argument).
    case optional
    /// It acts on devices, files or buffers: a prefix is a mistake.
    case none
}

/// What the generic statement syntax of one op may contain: how many positional arguments,
/// which `key=` and which flags. Checked before the op's own builder runs, so every op
/// rejects unknown keys and flags with the same message.
struct OpSchema {
    /// The op's name.
    let name: String
    /// One line of usage, quoted in messages.
    let usage: String
    /// What each positional argument is, in order (for "missing ..." messages).
    let positionals: [String]
    /// Valid `key=` names.
    let keys: [String]
    /// Valid bare flags.
    let flags: [String]
    /// Whether it needs a process.
    let context: ProcessContext

    /// Every op of the format, by name.
    static let all: [String: OpSchema] = Dictionary(
        uniqueKeysWithValues: list.map { ($0.name, $0) })

    /// Names in documentation order, for "did you mean" and lists.
    static let names: [String] = list.map(\.name)

    private static let list: [OpSchema] = [
        OpSchema(name: "pmem",
                 usage: "pmem NAME size=S [mode=fsdax|devdax|raw] [map=mem|dev|none] "
                     + "[align=4K|2M|1G]",
                 positionals: ["a device name"], keys: ["size", "mode", "map", "align"], flags: [],
                 context: .none),
        OpSchema(name: "disk", usage: "disk NAME size=S",
                 positionals: ["a device name"], keys: ["size"], flags: [], context: .none),
        OpSchema(name: "mkfs", usage: "mkfs DEV ext4|xfs",
                 positionals: ["a device", "a filesystem type (ext4 or xfs)"], keys: [], flags: [],
                 context: .none),
        OpSchema(name: "mount", usage: "mount DEV PATH [dax]",
                 positionals: ["a device", "a mount point path"], keys: [], flags: ["dax"],
                 context: .none),
        OpSchema(name: "file",
                 usage: "file PATH size=S [layout=contiguous|fragmented|hole] [uncached]",
                 positionals: ["a path"], keys: ["size", "layout"], flags: ["uncached"],
                 context: .none),
        OpSchema(name: "hugetlbfs", usage: "hugetlbfs PATH",
                 positionals: ["a mount point path"], keys: [], flags: [], context: .none),
        OpSchema(name: "process", usage: "process NAME",
                 positionals: ["a process name"], keys: [], flags: [], context: .none),
        OpSchema(name: "dmabuf", usage: "dmabuf NAME size=S [backing=system|vram] [huge]",
                 positionals: ["a buffer name"], keys: ["size", "backing"], flags: ["huge"],
                 context: .none),
        OpSchema(name: "p2pmem", usage: "p2pmem NAME size=S",
                 positionals: ["a buffer name"], keys: ["size"], flags: [], context: .none),
        OpSchema(name: "mmap",
                 usage: "mmap TARGET len=S [prot=r|rw|none] [shared|private] [populate] [sync] "
                     + "[align=S | at=ADDR] [offset=S]",
                 positionals: ["a target (anon, a file path, /dev/daxN.M, /dev/mem, dmabuf:NAME or "
                               + "p2pmem:NAME)"],
                 keys: ["len", "prot", "align", "at", "offset"],
                 flags: ["shared", "private", "populate", "sync"],
                 context: .required),
        OpSchema(name: "munmap", usage: "munmap ADDR len=S",
                 positionals: ["an address"], keys: ["len"], flags: [], context: .required),
        OpSchema(name: "mremap", usage: "mremap ADDR len=S to=ADDR",
                 positionals: ["an address"], keys: ["len", "to"], flags: [], context: .required),
        OpSchema(name: "mprotect", usage: "mprotect ADDR len=S prot=r|rw|none",
                 positionals: ["an address"], keys: ["len", "prot"], flags: [], context: .required),
        OpSchema(name: "madvise",
                 usage: "madvise ADDR len=S dontneed|hugepage|nohugepage|populate_read|"
                     + "populate_write|free|pageout|collapse",
                 positionals: ["an address"], keys: ["len"], flags: madviseAdvices.map(\.rawValue),
                 context: .required),
        OpSchema(name: "fork", usage: "fork", positionals: [], keys: [], flags: [],
                 context: .required),
        OpSchema(name: "load", usage: "load ADDR", positionals: ["an address"], keys: [], flags: [],
                 context: .required),
        OpSchema(name: "store", usage: "store ADDR value=V", positionals: ["an address"],
                 keys: ["value"],
                 flags: [], context: .required),
        OpSchema(name: "touch", usage: "touch ADDR len=S [write]", positionals: ["an address"],
                 keys: ["len"],
                 flags: ["write"], context: .required),
        OpSchema(name: "gup",
                 usage: "gup ADDR pages=N [fast] [write] [pin] [longterm] [p2pdma] [nowait]",
                 positionals: ["an address"], keys: ["pages"],
                 flags: ["fast", "write", "pin", "longterm", "p2pdma", "nowait"],
                 context: .required),
        OpSchema(name: "unpin", usage: "unpin", positionals: [], keys: [], flags: [],
                 context: .optional),
        OpSchema(name: "put", usage: "put", positionals: [], keys: [], flags: [],
                 context: .optional),
        OpSchema(name: "dio_read", usage: "dio_read PATH into=ADDR len=S [offset=S]",
                 positionals: ["a file path or block device"], keys: ["into", "len", "offset"],
                 flags: [],
                 context: .required),
        OpSchema(name: "dio_write", usage: "dio_write PATH from=ADDR len=S [offset=S]",
                 positionals: ["a file path or block device"], keys: ["from", "len", "offset"],
                 flags: [],
                 context: .required),
        OpSchema(name: "process_vm_readv", usage: "process_vm_readv PROC ADDR len=S",
                 positionals: ["a process", "an address"], keys: ["len"], flags: [],
                 context: .optional),
        OpSchema(name: "memwrite", usage: "memwrite PROC ADDR value=V",
                 positionals: ["a process", "an address"], keys: ["value"], flags: [],
                 context: .optional),
        OpSchema(name: "truncate", usage: "truncate PATH size=S", positionals: ["a file path"],
                 keys: ["size"],
                 flags: [], context: .none),
        OpSchema(name: "punch", usage: "punch PATH offset=S len=S", positionals: ["a file path"],
                 keys: ["offset", "len"], flags: [], context: .none),
        OpSchema(name: "unbind", usage: "unbind DEV", positionals: ["a device"], keys: [],
                 flags: [],
                 context: .none),
        OpSchema(name: "bind", usage: "bind DEV", positionals: ["a device"], keys: [], flags: [],
                 context: .none),
        OpSchema(name: "free", usage: "free NAME", positionals: ["a dmabuf or p2pmem name"],
                 keys: [], flags: [],
                 context: .none),
        OpSchema(name: "evict", usage: "evict NAME", positionals: ["a dmabuf name"], keys: [],
                 flags: [],
                 context: .none),
        OpSchema(name: "khugepaged", usage: "khugepaged ADDR len=S", positionals: ["an address"],
                 keys: ["len"], flags: [], context: .required),
        OpSchema(name: "migrate", usage: "migrate ADDR len=S", positionals: ["an address"],
                 keys: ["len"], flags: [], context: .required),
        OpSchema(name: "alloc_pages", usage: "alloc_pages N", positionals: ["a page count"],
                 keys: [], flags: [],
                 context: .none),
        OpSchema(name: "observe", usage: "observe ADDR", positionals: ["an address"], keys: [],
                 flags: [],
                 context: .required),
        OpSchema(name: "assert", usage: "assert CONDITION", positionals: [], keys: [], flags: [],
                 context: .none),
    ]

    /// The known op closest to `word` by edit distance, if it is plausibly a typo.
    static func suggestion(for word: String) -> String? {
        guard word.count <= 40 else { return nil }
        let scored = names.map { ($0, editDistance(word.lowercased(), $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, best.0.count / 3) else {
            return nil
        }
        return best.0
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1,
                                 previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}

/// A word of a statement with its location.
struct RawArgument {
    /// The text as written.
    let text: String
    /// Where it is.
    let location: SourceLocation
}

/// A statement split by the generic syntax, before the op's builder types it.
struct RawStatement {
    /// Where the statement starts.
    let location: SourceLocation
    /// `PROC` of `PROC:`.
    var prefix: RawArgument?
    /// `VAR` of `VAR =`.
    var result: RawArgument?
    /// The op name.
    var op: RawArgument
    /// Bare words in order, positionals first (the schema says how many).
    var words: [RawArgument] = []
    /// `key=value` pairs in order.
    var keyed: [(key: RawArgument, value: RawArgument)] = []
    /// `assert`'s condition.
    var condition: Condition?
}
