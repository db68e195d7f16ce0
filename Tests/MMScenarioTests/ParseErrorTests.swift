import Foundation
import MMKernel
import Testing
@testable import MMScenario

/// Every error class gives one diagnostic with the exact `file:line:column` and message.
@Suite struct ParseErrorTests {
    /// (source, expected diagnostic).
    static let wholeFileCases: [(String, String)] = [
        ("", "t.litmus:1:1: error: a test starts with `MM <name>`, not the end of the file"),
        ("# only a comment\ninit { }",
         "t.litmus:2:1: error: a test starts with `MM <name>`, not `init`"),
        ("MM\n", "t.litmus:1:3: error: `MM` needs a test name"),
        ("MM a b\n", "t.litmus:1:6: error: unexpected `b` after the test name"),
        ("MM t\n\"never closed\nT0 { }\n",
         "t.litmus:2:1: error: unterminated string: no closing `\"` for the one opened here"),
        ("MM t\nkernel v5.11\n",
         "t.litmus:2:8: error: unknown era `v5.11` (eras: v4.4, v5.2, v5.10, v6.1, v6.12, v7.2)"),
        ("MM t\nkernel v5.10 +no_such_knob\n",
         "t.litmus:2:14: error: unknown knob `no_such_knob` (knobs: "
             + "\(Knob.allCases.map(\.name).joined(separator: ", ")))"),
        ("MM t\nkernel v5.10 thp_always\n",
         "t.litmus:2:14: error: knob `thp_always` needs + (on) or - (off): `+thp_always` or "
             + "`-thp_always`"),
        ("MM t\nkernel v5.10 +thp_always -thp_always\n",
         "t.litmus:2:26: error: knob `thp_always` is already set at 2:14"),
        ("MM t\nT0 { }\nkernel v5.10\n",
         "t.litmus:3:1: error: the `kernel` line must come right after the header and description"),
        ("MM t\nT0 {\n  r = mmap anon len=4K\n",
         "t.litmus:2:4: error: unterminated block: the `{` of T0 has no closing `}`"),
        ("MM t\ninit\n", "t.litmus:3:1: error: expected `{` after init, not the end of the file"),
        ("MM t\nT0 { }\nT0 { }\n",
         "t.litmus:3:1: error: duplicate thread T0 (first defined at 2:1)"),
        ("MM t\nT1 { }\n",
         "t.litmus:2:1: error: thread T1 is out of order: expected T0 (threads are numbered T0, "
             + "T1, ... consecutively)"),
        ("MM t\nT0 { }\nT2 { }\n",
         "t.litmus:3:1: error: thread T2 is out of order: expected T1 (threads are numbered T0, "
             + "T1, ... consecutively)"),
        ("MM t\nT01 { }\n",
         "t.litmus:2:1: error: bad thread name `T01`: threads are T0, T1, T2, ..."),
        ("MM t\nT0 on Q { }\n",
         "t.litmus:2:7: error: undefined process `Q` (processes: main; create one with `process "
             + "NAME` or `CHILD = fork` in init)"),
        ("MM t\nT0 { }\ninit { }\n", "t.litmus:3:1: error: `init` must come before the threads"),
        ("MM t\nfinally { }\nT0 { }\n",
         "t.litmus:3:1: error: thread T0 must come before `finally` and the final condition"),
        ("MM t\nT0 { }\nbogus\n",
         "t.litmus:3:1: error: expected `init {`, a thread `T0 {`, `finally {`, `exists (...)`, "
             + "`forall (...)`, `~exists (...)` or `expect ...`, not `bogus`"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r == 1) garbage\n",
         "t.litmus:3:20: error: unexpected `garbage` after the condition"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r == 1\n",
         "t.litmus:4:1: error: expected `)` to close the `(` at 3:8, not the end of the file"),
        ("MM t\nexpect sometimes\n",
         "t.litmus:2:8: error: unknown expectation `sometimes` (valid: pass, violation KIND, "
             + "Never, Sometimes or Always)"),
        ("MM t\nexpect violation use_after_free\n",
         "t.litmus:2:18: error: unknown violation `use_after_free` (kinds: "
             + "\(ViolationKind.allCases.map(\.name).joined(separator: ", ")))"),
        ("MM t\nexpect Sometimes\n",
         "t.litmus:2:1: error: `expect Sometimes` needs a final condition (exists, forall "
             + "or ~exists)"),
        ("MM t\nexpect pass\nexpect violation deadlock\n",
         "t.litmus:3:1: error: this expectation contradicts the one at 2:1"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r == 1)\nexpect Never\nexpect Always\n",
         "t.litmus:5:1: error: this expectation contradicts the one at 4:1"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r == 1)\nexists (T0:r == 2)\n",
         "t.litmus:4:1: error: a test has one final condition; join them with /\\ or \\/"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:q == 1)\n",
         "t.litmus:3:9: error: undefined variable `T0:q`: T0 never assigns `q`"),
        ("MM t\nT0 { r = load 0 }\nexists (T3:r == 1)\n",
         "t.litmus:3:9: error: no thread T3 (threads: T0)"),
        ("MM t\nT0 { r = load 0 }\nexists (r == 1)\n",
         "t.litmus:3:9: error: undefined variable `r` (bare names are init's and finally's; a "
             + "thread's is written T0:r)"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r.Rss == 1)\n",
         "t.litmus:3:9: error: `T0:r` holds the result of `load`, not of `observe`: it "
             + "has no fields"),
        ("MM t\nT0 { r = observe 0 }\nexists (T0:r.Pss == 1)\n",
         "t.litmus:3:9: error: unknown observation field `Pss` (fields: level, Rss, AnonHugePages, "
             + "FilePmdMapped, Anonymous, VmFlags, present, file, pfn, entry_pfn, special, devmap, "
             + "writable, normal, refcount, mapcount, pincount, Shared_Hugetlb, Private_Hugetlb, "
             + "pmd_table)"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r < SIGBUS)\n",
         "t.litmus:3:16: error: `<` compares numbers; SIGBUS is not a number"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r has hg)\n",
         "t.litmus:3:9: error: `has` tests a VmFlags letter pair: write `T0:m.VmFlags has hg`"),
        ("MM t\nT0 { m = observe 0 }\nexists (T0:m.VmFlags == 3)\n",
         "t.litmus:3:25: error: VmFlags compares with a quoted string like \"rd wr mr mw "
             + "me ac sd\""),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r == -EWHAT)\n",
         "t.litmus:3:17: error: unknown errno `-EWHAT` (known: "
             + "\(Errno.byName.keys.sorted().joined(separator: ", ")))"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r == 12Q)\n",
         "t.litmus:3:17: error: bad number `12Q` (write 42, -1, 0x1000, 4K, 2M or 1G)"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r 1)\n",
         "t.litmus:3:14: error: expected a comparison (==, !=, <, <=, >, >=, has) after the "
             + "operand, not `1`"),
        ("MM t\nT0 { r = load 0 }\nexists (T0:r == 1 /\\)\n",
         "t.litmus:3:21: error: expected a variable, number, errno, signal, mapping level or "
             + "string, not `)`"),
        ("MM t\nT0 { x = load 0 @ }\n", "t.litmus:2:17: error: unexpected character `@`"),
        ("MM t\ninit { process main }\n",
         "t.litmus:2:16: error: `main` is the implicit process of threads without `on`; choose "
             + "another name"),
    ]

    @Test(arguments: wholeFileCases)
    func wholeFile(source: String, expected: String) {
        #expect(diagnosticText(source) == expected)
    }

    /// (statement in T0 on P after `opPrelude`, line 17, expected message after "t.litmus:").
    static let statementCases: [(String, String)] = [
        ("lod buf", "17:3: error: unknown op `lod` (did you mean `load`?)"),
        ("r = mmapp anon len=4K", "17:7: error: unknown op `mmapp` (did you mean `mmap`?)"),
        ("frobnicate",
         "17:3: error: unknown op `frobnicate` (ops: \(OpSchema.names.joined(separator: ", ")))"),
        ("mmap anon len=4K hugepage",
         "17:20: error: unknown flag `hugepage` for mmap (valid: shared, private, populate, sync)"),
        ("mmap anon len=4K size=4K",
         "17:20: error: unknown key `size=` for mmap (valid: len=, prot=, align=, at=, offset=; "
             + "usage: \(OpSchema.all["mmap"]!.usage))"),
        ("load buf len=4K",
         "17:12: error: unknown key `len=` for load (`load` takes no key=value arguments; usage: "
             + "load ADDR)"),
        ("load buf extra",
         "17:12: error: unexpected `extra` after the arguments of load (usage: load ADDR)"),
        ("mmap anon",
         "17:3: error: `mmap` is missing len= (usage: \(OpSchema.all["mmap"]!.usage))"),
        ("mmap len=4K",
         "17:3: error: `mmap` is missing a target (anon, a file path, /dev/daxN.M, /dev/mem, "
             + "dmabuf:NAME or p2pmem:NAME) (usage: \(OpSchema.all["mmap"]!.usage))"),
        ("gup buf",
         "17:3: error: `gup` is missing pages= (usage: gup ADDR pages=N [fast] [write] [pin] "
             + "[longterm] [p2pdma] [nowait])"),
        ("migrate buf", "17:3: error: `migrate` is missing len= (usage: migrate ADDR len=S)"),
        ("mmap anon len=foo",
         "17:17: error: len= takes a size like 4096, 0x1000, 4K, 2M or 1G, not `foo`"),
        ("mmap anon len=4Q",
         "17:17: error: bad size `4Q` for len= (write 4096, 0x1000, 4K, 2M or 1G; at most 2^63-1)"),
        ("mmap anon len=99999999999G",
         "17:17: error: bad size `99999999999G` for len= (write 4096, 0x1000, 4K, 2M or 1G; at "
             + "most 2^63-1)"),
        ("mmap anon len=0", "17:17: error: len= must be positive"),
        ("mmap anon len=4K prot=x", "17:25: error: prot= takes r, w, rw (or r,w) or none, not `x`"),
        ("mmap anon len=4K prot=r,r",
         "17:25: error: prot= takes r, w, rw (or r,w) or none, not `r,r`"),
        ("mmap anon len=4K shared private",
         "17:20: error: `shared` and `private` exclude each other"),
        ("mmap anon len=4K private sync",
         "17:28: error: `sync` is MAP_SHARED_VALIDATE|MAP_SYNC: it cannot be `private`"),
        ("mmap anon len=4K align=2M at=buf",
         "17:29: error: `align=` and `at=` exclude each other: at= already fixes the address"),
        ("mmap anon len=4K align=3M",
         "17:26: error: align= must be a power of two of at least 4K, not `3M`"),
        ("mmap anon len=4K len=8K", "17:20: error: `len=` is given twice"),
        ("mmap anon len=4K shared shared", "17:27: error: flag `shared` is given twice"),
        ("mmap anon len=", "17:17: error: missing value after `len=`"),
        ("mmap anon len=4K )", "17:20: error: unexpected `)` in the `mmap` statement"),
        ("mmap /mnt/nofile len=4K",
         "17:8: error: undefined file `/mnt/nofile` (create it with `file /mnt/nofile size=S`)"),
        ("mmap /nowhere/f len=4K",
         "17:8: error: undefined file `/nowhere/f`: no filesystem or hugetlbfs is mounted there "
             + "(mounts: /huge, /mnt)"),
        ("mmap /dev/dax0.0 len=2M shared",
         "17:8: error: undefined device `/dev/dax0.0`: region 0 (`pmem0`) is a mode=fsdax pmem, "
             + "not mode=devdax"),
        ("mmap /dev/dax7.0 len=2M shared",
         "17:8: error: undefined device `/dev/dax7.0`: there is no pmem region 7 (regions: 0, 1, "
             + "numbered by pmem statement order)"),
        ("mmap /dev/dax1.1 len=2M shared",
         "17:8: error: undefined device `/dev/dax1.1`: region 1 has one namespace, /dev/dax1.0"),
        ("mmap /dev/daxx len=2M",
         "17:8: error: bad device-dax path `/dev/daxx`: write /dev/daxN.0 for pmem region N"),
        ("mmap dmabuf:nope len=4K",
         "17:8: error: undefined dmabuf `nope` (create it with `dmabuf nope size=S`)"),
        ("mmap dmabuf:bar len=4K",
         "17:8: error: `bar` is a p2pmem, not a dmabuf: map it as p2pmem:bar"),
        ("mmap p2pmem:bo len=4K",
         "17:8: error: `bo` is a dmabuf, not a p2pmem: map it as dmabuf:bo"),
        ("mmap 42 len=4K",
         "17:8: error: bad mmap target `42`: anon, a file path, /dev/daxN.M, /dev/mem, "
             + "dmabuf:NAME, p2pmem:NAME or packet_ring"),
        ("free nope",
         "17:8: error: undefined buffer `nope` (create it with `dmabuf nope size=S` or `p2pmem "
             + "nope size=S`)"),
        ("r = load nope",
         "17:12: error: undefined variable `nope` (not assigned earlier in T0, nor in init)"),
        ("r = load buf+off",
         "17:12: error: `off` in the address `buf+off` is not a size: address arithmetic adds "
             + "sizes to one variable"),
        ("r = load T1:x",
         "17:12: error: T0 cannot read T1's variables; only finally and the final condition can"),
        ("r = load 0x", "17:12: error: bad number `0x` in the address `0x`"),
        ("store buf", "17:3: error: `store` is missing value= (usage: store ADDR value=V)"),
        ("madvise buf len=4K",
         "17:3: error: `madvise` needs an advice: dontneed, hugepage, nohugepage, populate_read, "
             + "populate_write, free, pageout, collapse"),
        ("madvise buf len=4K dontneed hugepage",
         "17:31: error: `dontneed` and `hugepage` exclude each other: one advice per madvise"),
        ("gup buf pages=0", "17:17: error: pages= must be positive"),
        ("gup buf pages=2M", "17:17: error: pages= takes a count like 1 or 512, not `2M`"),
        ("gup buf pages=1 fast nowait",
         "17:24: error: `nowait` (FOLL_NOWAIT) is for the slow path: gup-fast refuses it"),
        ("gup buf pages=1 pin; put",
         "17:24: error: `put` after `gup ... pin`: those are FOLL_PIN pins; release them "
             + "with `unpin`"),
        ("gup buf pages=1; unpin",
         "17:20: error: `unpin` after gup without `pin`: those are FOLL_GET references; release "
             + "them with `put`"),
        ("P: r = load buf",
         "17:3: error: no process prefix inside a thread: T0 runs in `P` (to run it in P, write "
             + "`T0 on P {`)"),
        ("n = process_vm_readv Q buf len=4K",
         "17:24: error: undefined process `Q` (processes: main, P; create one with `process NAME` "
             + "or `CHILD = fork` in init)"),
        ("n = process_vm_readv buf buf len=4K",
         "17:24: error: `buf` is not a process: it holds the result of `mmap`"),
        ("mkfs nodev ext4",
         "17:8: error: undefined device `nodev` (devices: disk0, pmem0, pmem1; create one with "
             + "`pmem NAME size=S` or `disk NAME size=S`)"),
        ("mkfs pmem1 ext4",
         "17:8: error: `pmem1` is mode=devdax: it has no block device for mkfs (use mode=fsdax)"),
        ("mkfs disk0 btrfs", "17:14: error: mkfs makes ext4 or xfs, not `btrfs`"),
        ("mkfs pmem0 xfs",
         "17:8: error: `pmem0` is mounted on /mnt: mkfs would destroy a mounted filesystem"),
        ("mount disk0 /data",
         "17:9: error: `disk0` has no filesystem: add `mkfs disk0 ext4` (or xfs) before "
             + "mounting it"),
        ("mkfs disk0 ext4; mount disk0 /d dax",
         "17:26: error: `dax` needs a pmem device; `disk0` is a disk"),
        ("mkfs disk0 ext4; mount disk0 /mnt", "17:32: error: /mnt is already a mount point"),
        ("mount pmem0 /other", "17:9: error: `pmem0` is already mounted on /mnt"),
        ("unbind nodev",
         "17:10: error: undefined device `nodev` (devices: disk0, pmem0, pmem1; create one with "
             + "`pmem NAME size=S` or `disk NAME size=S`)"),
        ("dio_read pmem1 into=buf len=4K",
         "17:12: error: `pmem1` is mode=devdax: it has no block device for direct I/O (use "
             + "mode=fsdax)"),
        ("dio_read /mnt/g into=buf len=4K",
         "17:12: error: undefined file `/mnt/g` (create it with `file /mnt/g size=S`)"),
        ("pmem pmem0 size=2M", "17:8: error: device `pmem0` is already defined at 3:8"),
        ("pmem p size=5000", "17:15: error: size= 5000 is not a multiple of 4K (the page size)"),
        ("pmem p size=0", "17:15: error: size= must be positive"),
        ("pmem 4K size=2M", "17:8: error: pmem needs a device name, not the number `4K`"),
        ("pmem p size=2M align=8K", "17:24: error: align= of pmem is 4K, 2M or 1G, not `8K`"),
        ("pmem p size=3M align=2M",
         "17:24: error: size= is not a multiple of align=2M: the namespace is made of "
             + "aligned pages"),
        ("pmem p size=2M mode=devdax map=none",
         "17:34: error: mode=devdax needs struct pages: map=mem or map=dev, not map=none"),
        ("pmem p size=2M mode=raw map=mem",
         "17:27: error: mode=raw has no memmap or alignment to set: drop map= (a raw namespace is "
             + "the map=none situation)"),
        ("pmem p size=2M mode=blk",
         "17:23: error: mode= takes one of fsdax, devdax, raw, not `blk`"),
        ("disk d size=4097", "17:15: error: size= 4097 is not a multiple of 4K (the page size)"),
        ("dmabuf d size=1K", "17:17: error: size= 1K is not a multiple of 4K (the page size)"),
        ("dmabuf bo size=4K", "17:10: error: buffer `bo` is already defined (a dmabuf) at 11:10"),
        ("file /mnt/f size=4K", "17:8: error: file `/mnt/f` is already created at 7:8"),
        ("file /elsewhere/f size=4K",
         "17:8: error: `/elsewhere/f` is not on a mounted filesystem or hugetlbfs (mounts: "
             + "/huge, /mnt)"),
        ("file /huge/g size=4K",
         "17:21: error: size=4K of a hugetlbfs file must be a multiple of 2M"),
        ("file /huge/g size=2M layout=contiguous",
         "17:24: error: layout= is for block filesystems; a hugetlbfs file is made of 2M pages"),
        ("file /huge/g size=2M uncached",
         "17:24: error: uncached is for block filesystems; a hugetlbfs file has no backing store "
             + "to read its pages back from"),
        ("file mnt/f size=4K", "17:8: error: file needs a file path like /mnt/f, not `mnt/f`"),
        ("hugetlbfs /mnt", "17:13: error: /mnt is already a mount point"),
        ("process P", "17:11: error: process `P` is already defined at 13:11"),
        ("pmd = load buf", "17:3: error: `pmd` is a reserved word; choose another variable name"),
        ("P2 = load buf; process P2",
         "17:26: error: `P2` is already a variable; choose another process name"),
        ("r = assert buf == 0", "17:3: error: `assert` has no result to assign to `r`"),
        ("assert buf == \"x\"",
         "17:17: error: a string compares only with a VmFlags field (T0:m.VmFlags == \"rd wr\")"),
        ("alloc_pages 0", "17:15: error: alloc_pages must be positive"),
        ("alloc_pages many", "17:15: error: alloc_pages takes a count like 1 or 512, not `many`"),
        ("truncate /mnt/f",
         "17:3: error: `truncate` is missing size= (usage: truncate PATH size=S)"),
        ("punch /mnt/f offset=0 len=0", "17:29: error: len= must be positive"),
        ("= load buf", "17:3: error: expected a statement, not `=`"),
        ("r = ", "17:7: error: expected an op after `r =`, not the end of the line"),
    ]

    @Test(arguments: statementCases)
    func statement(statement: String, expected: String) {
        #expect(threadError(statement) == "t.litmus:" + expected)
    }

    /// Process context in init and finally.
    @Test func processContextInInitAndFinally() {
        #expect(diagnosticText("MM t\ninit { buf = mmap anon len=4K }\n")
                    == "t.litmus:2:14: error: `mmap` needs a process in init: write `PROC: mmap "
                        + "...` (processes: main)")
        #expect(diagnosticText("MM t\ninit { process P; P: pmem p size=2M }\n")
                    == "t.litmus:2:19: error: `pmem` takes no process prefix")
        #expect(diagnosticText("MM t\ninit { Q: r = load 0 }\n")
                    == "t.litmus:2:8: error: undefined process `Q` (processes: main; create one "
                        + "with `process NAME` or `CHILD = fork` in init)")
        #expect(diagnosticText("MM t\nfinally { r = load 0 }\n")
                    == "t.litmus:2:15: error: `load` needs a process in finally: write `PROC: load "
                        + "...` (processes: main)")
        #expect(diagnosticText("MM t\ninit { main: r = load T0:x }\n")
                    == "t.litmus:2:23: error: `T0:x`: init runs before the threads; its variables "
                        + "are bare names")
        #expect(diagnosticText("MM t\nT0 { x = load 0 }\nfinally { main: r = load x }\n")
                    == "t.litmus:3:26: error: undefined variable `x` (not assigned earlier in "
                        + "finally, nor in init; a thread's is written T0:x)")
        #expect(diagnosticText("MM t\nT0 { x = load 0 }\nfinally { main: r = load T0:x+4K }\n")
                == nil)
    }

    /// Variables are per thread: T1 does not see T0's, and use before assignment fails.
    @Test func variablesArePerThread() {
        #expect(diagnosticText("MM t\nT0 { a = mmap anon len=4K }\nT1 { r = load a }\n")
                    == "t.litmus:3:15: error: undefined variable `a` (not assigned earlier in T1, "
                        + "nor in init)")
        #expect(diagnosticText("MM t\nT0 { r = load a\n a = mmap anon len=4K }\n")
                    == "t.litmus:2:15: error: undefined variable `a` (not assigned earlier in T0, "
                        + "nor in init)")
    }

    /// A thread's resources are visible to finally, not to other threads.
    @Test func resourcesOfThreadsReachFinally() {
        #expect(diagnosticText("MM t\nT0 { dmabuf b size=4K }\nT1 { free b }\n")
                    == "t.litmus:3:11: error: undefined buffer `b` (create it with `dmabuf b "
                        + "size=S` or `p2pmem b size=S`)")
        #expect(diagnosticText("MM t\nT0 { dmabuf b size=4K }\nfinally { free b }\n") == nil)
    }

    /// Only the first error is reported.
    @Test func firstErrorWins() {
        #expect(diagnosticText("MM t\nT0 { r = lod 0\n x = mmap anon len=0 }\n")
                    == "t.litmus:2:10: error: unknown op `lod` (did you mean `load`?)")
    }
}

/// The sample malformed files under examples/malformed/ each say on their first line which
/// diagnostic they must produce.
@Suite struct ParseMalformedFileTests {
    static let directory: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path + "/examples/malformed"
    }()

    @Test(arguments: ["unknown-op", "bad-size", "undefined-var"])
    func malformedFile(name: String) throws {
        let file = "\(name).litmus"
        let source = try String(contentsOfFile: Self.directory + "/" + file, encoding: .utf8)
        let firstLine = source.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        let prefix = "# must fail with: "
        #expect(firstLine.hasPrefix(prefix))
        var produced: String?
        do { _ = try LitmusParser.parse(source: source, file: file) } catch {
            produced = error.description
        }
        #expect(produced == String(firstLine.dropFirst(prefix.count)))
    }
}
