import MMKernel

/// Ops and forms whose behaviour arrives with a later piece of the model. A test that uses
/// one is refused before anything runs, with the statement's location — never ignored.
enum NotModelled {
    /// The first statement of `test` the model cannot run yet, as a diagnostic.
    static func check(_ test: LitmusTest) -> Diagnostic? {
        let all = test.initStatements + test.threads.flatMap(\.statements) + test.finallyStatements
        for s in all {
            if let what = reason(s.op) {
                return Diagnostic("not modelled yet: \(what)", at: s.location)
            }
        }
        return nil
    }

    /// Why `op` cannot run yet, or nil when it can.
    static func reason(_ op: Operation) -> String? {
        switch op {
        case .mmap(let m):
            switch m.target {
            case .anon where m.shared: return "shared anonymous mapping (shmem)"
            case .anon, .file, .devMem, .dmabuf, .p2pmem, .devDax, .packetRing: break
            }
            return nil
        default:
            return nil
        }
    }
}
