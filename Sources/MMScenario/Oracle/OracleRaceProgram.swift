import MMKernel

/// Writes the guest's C program for a test with threads (a concurrent oracle run): init,
/// one function per thread, finally, and the condition's variables, for the iterations
/// of oracle/race.h. Each thread runs on its own vCPU with a random delay before each
/// statement; the program prints the set of outcomes it saw. A thread `on` a named process
/// runs in a server process race.h forks for it; init/finally statements of that process
/// are sent to the server one at a time.
public enum OracleRaceProgram {
    /// The variables the condition names, in the order the model's States list them
    /// (`T0:n`, `T1:r`), each with its slot; throws at a field (`m.Rss`), which the race
    /// program does not observe.
    public static func conditionVariables(_ plan: OraclePlan)
        throws(Diagnostic) -> [(String, Int)] {
        guard let clause = plan.test.condition else {
            throw Diagnostic("a concurrent oracle run compares the final states of the condition's "
                             + "variables: the test needs an exists/forall condition",
                             at: plan.test.location)
        }
        var out: [(String, Int)] = []
        var seen: Set<String> = []
        var problem: Diagnostic?
        func visit(_ c: Condition) {
            switch c {
            case .and(let a, let b), .or(let a, let b): visit(a); visit(b)
            case .not(let a, _): visit(a)
            case .comparison(let cmp):
                for o in [cmp.lhs, cmp.rhs] {
                    switch o.value {
                    case .variable(let ref):
                        guard seen.insert(ref.description).inserted else { continue }
                        if let slot = plan.variableSlot(ref, scope: "finally") {
                            out.append((ref.description, slot))
                        } else if problem == nil {
                            problem = Diagnostic("the oracle cannot find variable \(ref) here",
                                                 at: o.location)
                        }
                    case .field:
                        if problem == nil {
                            problem = Diagnostic("a concurrent oracle run compares values, "
                                                 + "not observe fields: compare a load or a return "
                                                 + "value", at: o.location)
                        }
                    default: continue
                    }
                }
            }
        }
        visit(clause.condition)
        if let problem { throw problem }
        return out
    }

    /// Checks that every statement can run in the race program; the first that cannot,
    /// at its location.
    public static func check(_ plan: OraclePlan) throws(Diagnostic) {
        _ = try conditionVariables(plan)
        for th in plan.test.threads {
            if case .forked = th.process {
                throw Diagnostic("a concurrent oracle run runs threads in main or a "
                                 + "`process`, not in the child of a fork: \(th.name) runs on "
                                 + "\(th.process)", at: th.location)
            }
        }
        if plan.slotCount > maxProcesses {
            throw Diagnostic("a concurrent oracle run has at most \(maxProcesses) processes",
                             at: plan.test.location)
        }
        for s in plan.statements {
            if let p = s.statement.process, case .forked = p {
                throw Diagnostic("a concurrent oracle run cannot run a statement in the child of a "
                                 + "fork (\(p)): declare a `process` instead",
                                 at: s.statement.location)
            }
            switch s.statement.op {
            case .pmem, .disk, .mkfs, .mount, .file, .hugetlbfs, .process, .assert: continue
            case .mmap, .munmap, .mremap, .mprotect, .madvise, .load, .store, .touch, .dioRead,
                 .dioWrite, .truncate, .punch, .gup, .put, .unpin, .unbind:
                continue
            case .observe, .fork, .processVMReadv, .dmabuf, .p2pmem, .bind,
                 .free, .evict, .allocPages, .khugepaged, .memWrite, .migrate:
                throw Diagnostic("a concurrent oracle run cannot run \(s.statement.op.name) "
                                 + "(it runs mmap, munmap, mremap, mprotect, madvise, load, "
                                 + "store, touch, dio_read, dio_write, truncate, punch, gup, put, "
                                 + "unpin, unbind)",
                                 at: s.statement.location)
            }
        }
    }

    /// Processes a concurrent run can have (main and `process` servers; R_MAXPROCS in race.h).
    static let maxProcesses = 8

    /// The program's source; `plan` passed `check`. It includes race.h from oracle/.
    public static func source(_ plan: OraclePlan) throws(Diagnostic) -> String {
        try check(plan)
        let vars = try conditionVariables(plan)
        let condIndex = Dictionary(vars.enumerated().map { ($0.element.1, $0.offset) },
                                   uniquingKeysWith: { a, _ in a })
        let blocks = ["init"] + plan.test.threads.map(\.name) + ["finally"]
        var functions: [String] = []
        var remoteCases: [String] = []
        for (b, name) in blocks.enumerated() {
            let mine = plan.statements.filter {
                $0.scope == name && $0.role != .setup && $0.role != .modelOnly
            }
            let threaded = b > 0 && b < blocks.count - 1
            var body: [String] = []
            for s in mine {
                if case .spawn = s.role { continue }  // race.h forks the servers before iterating
                body.append("/* line \(s.statement.location.line): \(s.statement.op.name) */")
                let k = plan.statements.firstIndex(of: s) ?? 0
                // init/finally statements of another process: its server runs them
                if !threaded, case .run(let slot) = s.role, slot != 0 {
                    let code = statement(plan, s, condIndex: condIndex, timed: nil,
                                         died: "return 1;")
                    remoteCases.append("\tcase \(k): /* line \(s.statement.location.line): "
                                       + "\(s.statement.op.name) */\n"
                                       + code.map { "\t\t{ " + $0 + " }\n" }.joined()
                                       + "\t\treturn 0;\n")
                    body.append("if (r_remote(\(slot), \(k))) return;")
                    continue
                }
                let name = s.statement.result ?? s.statement.op.name
                let label = OracleCProgram.cString("\(s.scope):\(name)")
                if threaded { body += ["r_delay();", "r_begin(\(k), \(label));"] }
                body += statement(plan, s, condIndex: condIndex, timed: threaded ? k : nil).map {
                    "{ " + $0 + " }"
                }
                if threaded { body.append("r_end(\(k));") }
            }
            functions.append("static void block_\(b)(void)\n{\n\tint err = 0; long r = 0; "
                             + "int sig = 0; uint64_t value = 0;\n\t(void)err; (void)r; (void)sig; "
                             + "(void)value;\n"
                             + body.map { "\t" + $0 + "\n" }.joined() + "}\n")
        }
        // Files a thread changes are restored before each iteration.
        let changes = plan.statements.contains { s in
            guard s.scope != "init" else { return false }
            switch s.statement.op {
            case .truncate, .punch, .dioWrite: return true
            default: return false
            }
        }
        var restores: [String] = []
        for s in plan.statements where s.role == .setup {
            if case .file(let f) = s.statement.op {
                var layout: Int
                switch f.layout ?? .contiguous {
                case .contiguous: layout = 0
                case .hole: layout = 1
                case .fragmented: layout = 2
                }
                if OracleSetup.onHugetlbfs(plan, path: f.path) { layout = 3 }  // its size only
                restores.append("\tr_file_reset(\(OracleCProgram.cString(f.path)), \(f.size)ULL, "
                                + "\(layout));")
            }
        }
        let once = plan.statements.contains {
            if case .unbind = $0.statement.op { return true } else { return false }
        }
        let errnos = Errno.byName.sorted { $0.value < $1.value }
            .map { "{\($0.value), \"\($0.key)\"}" }.joined(separator: ", ")
        let threads =
            (1...max(1, plan.test.threads.count)).map { "block_\($0)" }.joined(separator: ", ")
        let threadProc = plan.test.threads.map { th in
            String(plan.processSlot(th.process, scope: th.name) ?? 0)
        }
            .joined(separator: ", ")
        return """
            /* Generated by `mmsim oracle` from \(plan.test.location.file) (\(plan.test.name)): a \
            concurrent run. */
            #include "race.h"

            static uint64_t *V;  /* r_shared: the servers of `process`es write it too */

            \(functions.joined(separator: "\n"))
            /* init/finally statements that a `process` server runs; 1: a signal ended it */
            static int remote(int k)
            {
            \tint err = 0; long r = 0; int sig = 0; uint64_t value = 0;
            \t(void)err; (void)r; (void)sig; (void)value;
            \tswitch (k) {
            \(remoteCases.joined())\t}
            \treturn 0;
            }

            static void restore(void)
            {
            \(restores.joined(separator: "\n"))
            }

            static const struct r_errno errnos[] = {\(errnos)};
            static const char *const names[] = \
            {\(vars.map { OracleCProgram.cString($0.0) }.joined(separator: ", "))};
            static r_block threads[] = {\(threads)};
            static const int thread_proc[] = {\(threadProc)};

            int main(void)
            {
            \tV = r_shared(sizeof *V * \(max(1, plan.variableCount)));
            \treturn race_main(block_0, threads, \(plan.test.threads.count), \
            block_\(blocks.count - 1), \
            \(vars.count), names, errnos, \(Errno.byName.count), \
            \(changes && !restores.isEmpty ? 1 : 0), \
            restore, \(once ? 1 : 0), \(plan.slotCount), thread_proc, remote);
            }

            """
    }

    /// The C of one statement: sets its variable (V, and R when the condition names it);
    /// a signal ends the block.
    static func statement(_ plan: OraclePlan, _ s: OracleStatement, condIndex: [Int: Int],
                          timed: Int?,
                          died ending: String = "return;") -> [String]
    {
        func expr(_ e: AddrExpr) -> String {
            guard let base = e.base else { return "(uint64_t)\(e.offset)LL" }
            guard let slot = plan.variableSlot(base, scope: s.scope) else { return "(uint64_t)0" }
            return "(V[\(slot)] + \(e.offset)LL)"
        }
        let slot = s.statement.result.flatMap {
            plan.variableSlot(VariableRef(thread: nil, name: $0), scope: s.scope)
        }
        func keep(_ v: String) -> String {
            guard let slot else { return "" }
            var out = "V[\(slot)] = (uint64_t)(\(v));"
            if let i = condIndex[slot] { out += " r_set(\(i), (int64_t)V[\(slot)]);" }
            return out
        }
        func died() -> String {
            var out = "if (sig) { "
            if let slot, let i = condIndex[slot] { out += "r_set_sig(\(i), sig); " }
            if let timed { out += "r_end(\(timed)); " }
            return out + ending + " }"
        }
        func syscall(_ call: String) -> [String] { ["r = \(call); " + keep("r_ret(r, err)")] }
        func prot(_ p: Protection) -> String {
            p.read || p.write
                ? [p.read ? "PROT_READ" : nil, p.write ? "PROT_WRITE" : nil].compactMap { $0 }
                    .joined(separator: "|")
                : "PROT_NONE"
        }
        switch s.statement.op {
        case .mmap(let m):
            let path: String
            switch m.target {
            case .anon: path = "NULL"
            case .file(let p): path = OracleCProgram.cString(p)
            case .devDax(let region, let index):
                path = OracleCProgram.cString("/dev/dax\(region).\(index)")
            case .devMem: path = OracleCProgram.cString("/dev/mem")
            case .packetRing: path = "O_PACKET_RING"
            case .dmabuf, .p2pmem: path = "NULL"
            }
            var align: UInt64 = 0, hasAt = 0, at = "0"
            switch m.placement {
            case .anywhere: break
            case .aligned(let a): align = a
            case .at(let e): hasAt = 1; at = expr(e)
            }
            return ["r = o_mmap(\(path), \(m.len)ULL, \(prot(m.prot)), \(m.shared ? 1 : 0), "
                    + "\(m.populate ? 1 : 0), \(m.sync ? 1 : 0), \(align)ULL, \(hasAt), \(at), "
                    + "\(m.offset)ULL, &err); r_note_map(r, \(m.len)ULL); " + keep("r_ret(r, err)")]
        case .munmap(let a):
            return syscall("munmap((void *)\(expr(a.address)), \(a.len)ULL) ? (err = "
                           + "errno, -1L) : 0L")
        case .mremap(let m):
            return ["r = (r = (long)mremap((void *)\(expr(m.address)), \(m.len)ULL, \(m.len)ULL, "
                    + "MREMAP_MAYMOVE | MREMAP_FIXED, (void *)\(expr(m.to)))) == -1L ? (err = "
                    + "errno, -1L) : r; r_note_map(r, \(m.len)ULL); " + keep("r_ret(r, err)")]
        case .mprotect(let a):
            return syscall("mprotect((void *)\(expr(a.address)), \(a.len)ULL, \(prot(a.prot))) ? "
                           + "(err = errno, -1L) : 0L")
        case .madvise(let a):
            let advice: String
            switch a.advice {
            case .dontneed: advice = "MADV_DONTNEED"
            case .hugepage: advice = "MADV_HUGEPAGE"
            case .nohugepage: advice = "MADV_NOHUGEPAGE"
            case .populateRead: advice = "MADV_POPULATE_READ"
            case .populateWrite: advice = "MADV_POPULATE_WRITE"
            case .free: advice = "MADV_FREE"
            case .pageout: advice = "MADV_PAGEOUT"
            case .collapse: advice = "25 /* MADV_COLLAPSE */"
            }
            return syscall("madvise((void *)\(expr(a.address)), \(a.len)ULL, \(advice)) ? (err = "
                           + "errno, -1L) : 0L")
        case .load(let a):
            return ["sig = r_load(\(expr(a)), &value); " + died() + " " + keep("value")]
        case .store(let st):
            return ["sig = r_store(\(expr(st.address)), \(expr(st.value))); " + died() + " "
                    + keep("0")]
        case .touch(let t):
            return ["sig = r_touch(\(expr(t.address)), \(t.len)ULL, \(t.write ? 1 : 0)); " + died()
                    + " " + keep("0")]
        case .dioRead(let d), .dioWrite(let d):
            var write = 0
            if case .dioWrite = s.statement.op { write = 1 }
            return syscall("o_dio(\(OracleCProgram.cString(OracleCProgram.ioPath(d.target))), "
                           + "\(write), \(expr(d.buffer)), \(d.len)ULL, \(d.offset)ULL, &err)")
        case .truncate(let t):
            return syscall("truncate(\(OracleCProgram.cString(t.path)), \(t.size)) ? (err = "
                           + "errno, -1L) : 0L")
        case .punch(let p):
            return syscall("o_punch(\(OracleCProgram.cString(p.path)), \(p.offset)ULL, "
                           + "\(p.len)ULL, &err)")
        case .gup(let g):
            return syscall("r_gup(\(expr(g.address)), \(g.pages)ULL, &err)")
        case .put, .unpin:
            return syscall("r_put()")
        case .unbind(let dev):
            return syscall("r_unbind(\(OracleCProgram.cString(dev)), &err)")
        case .pmem, .disk, .mkfs, .mount, .file, .assert, .observe, .fork, .process,
             .processVMReadv, .hugetlbfs, .dmabuf, .p2pmem, .bind, .free, .evict, .allocPages,
             .khugepaged, .memWrite, .migrate:
            return []  // setup, model-only, or refused by check
        }
    }
}
