import MMKernel
import Testing
@testable import MMScenario

/// Every op of scenario-format.md parses to its typed `Operation`.
@Suite struct ParseOpTests {
    /// The AddrExpr for the first occurrence of `text` in `statement` on T0's line 17.
    func addr(_ statement: String, _ text: String, _ base: String?, _ offset: Int64) -> AddrExpr {
        let column = 3
            + statement.distance(from: statement.startIndex,
                                 to: statement.range(of: text)!.lowerBound)
        return AddrExpr(base: base.map { VariableRef(thread: nil, name: $0) }, offset: offset,
                        location: loc(17, column))
    }

    @Test func resourceOps() throws {
        #expect(try threadOp("pmem pmem9 size=2M mode=raw") == .pmem(PmemArgs(
            name: "pmem9", size: 2 << 20, mode: .raw, map: nil, align: nil, region: 2)))
        #expect(try threadOp("disk d2 size=4K") == .disk(DiskArgs(name: "d2", size: 4096)))
        #expect(try threadOp("mkfs disk0 xfs")
                == .mkfs(MkfsArgs(device: "disk0", filesystem: .xfs)))
        #expect(try threadOp("file /mnt/g size=8K")
                == .file(FileArgs(path: "/mnt/g", size: 8192, layout: nil)))
        #expect(try threadOp("file /mnt/h size=8K uncached")
                    == .file(FileArgs(path: "/mnt/h", size: 8192, layout: nil, uncached: true)))
        #expect(try threadOp("hugetlbfs /huge2") == .hugetlbfs(path: "/huge2"))
        #expect(try threadOp("process Q") == .process(name: "Q"))
        #expect(try threadOp("dmabuf b2 size=4K")
                == .dmabuf(DmabufArgs(name: "b2", size: 4096, backing: nil, huge: false)))
        #expect(try threadOp("p2pmem b3 size=0x2000")
                == .p2pmem(P2PMemArgs(name: "b3", size: 8192)))

        let test = try parseLitmus(threadSource("load buf"))
        let ops = test.initStatements.map(\.op)
        #expect(ops[0]
                == .pmem(PmemArgs(name: "pmem0", size: 64 << 20, mode: .fsdax, map: .mem,
                                  align: 2 << 20,
                                         region: 0)))
        #expect(ops[1]
                == .pmem(PmemArgs(name: "pmem1", size: 4 << 30, mode: .devdax, map: .dev,
                                  align: 1 << 30,
                                         region: 1)))
        #expect(ops[2] == .mkfs(MkfsArgs(device: "pmem0", filesystem: .ext4)))
        #expect(ops[3] == .mount(MountArgs(device: "pmem0", path: "/mnt", dax: true)))
        #expect(ops[4] == .file(FileArgs(path: "/mnt/f", size: 4 << 20, layout: .fragmented)))
        #expect(ops[5] == .hugetlbfs(path: "/huge"))
        #expect(ops[8]
                == .dmabuf(DmabufArgs(name: "bo", size: 2 << 20, backing: .vram, huge: true)))
        #expect(ops[10] == .process(name: "P"))
    }

    @Test func mmapTargetsAndOptions() throws {
        func mmap(_ target: MmapTarget, _ len: UInt64, prot: Protection = .readWrite,
                  shared: Bool = false,
                  populate: Bool = false, sync: Bool = false, placement: Placement = .anywhere,
                  offset: UInt64 = 0) -> Operation {
            .mmap(MmapArgs(target: target, len: len, prot: prot, shared: shared, populate: populate,
                           sync: sync,
                           placement: placement, offset: offset))
        }
        #expect(try threadOp("a = mmap anon len=4K") == mmap(.anon, 4096))
        let at = "mmap /dev/dax1.0 len=1G shared at=buf+2M"
        #expect(try threadOp(at) == mmap(.devDax(region: 1, index: 0), 1 << 30, shared: true,
                                          placement: .at(addr(at, "buf+2M", "buf", 2 << 20))))
        #expect(try threadOp("mmap /dev/mem len=4K offset=0xfee00000 prot=r")
                    == mmap(.devMem, 4096, prot: .readOnly, offset: 0xfee0_0000))
        #expect(try threadOp("mmap dmabuf:bo len=2M sync")
                == mmap(.dmabuf("bo"), 2 << 20, shared: true, sync: true))
        #expect(try threadOp("mmap p2pmem:bar len=64K prot=r,w private")
                == mmap(.p2pmem("bar"), 64 << 10))
        #expect(try threadOp("mmap /huge/h len=1G shared align=1G")
                    == mmap(.file("/huge/h"), 1 << 30, shared: true, placement: .aligned(1 << 30)))
        #expect(try threadOp("mmap /mnt/f len=2M prot=none populate")
                == mmap(.file("/mnt/f"), 2 << 20,
                                                                              prot: .none,
                                                                              populate: true))
        #expect(try threadOp("mmap anon len=4K prot=w")
                == mmap(.anon, 4096, prot: Protection(read: false, write: true)))
        let fixed = "mmap anon len=4K at=0x7f0000000000"
        #expect(try threadOp(fixed)
                == mmap(.anon, 4096, placement: .at(addr(fixed, "0x7f", nil, 0x7f00_0000_0000))))
    }

    @Test func memoryOps() throws {
        var s = "munmap buf len=4K"
        #expect(try threadOp(s) == .munmap(RangeArgs(address: addr(s, "buf", "buf", 0), len: 4096)))
        s = "migrate buf len=8K"
        #expect(try threadOp(s)
                == .migrate(RangeArgs(address: addr(s, "buf", "buf", 0), len: 8192)))
        s = "mprotect buf+4K len=4K prot=r"
        #expect(try threadOp(s)
                == .mprotect(MprotectArgs(address: addr(s, "buf", "buf", 4096), len: 4096,
                                                           prot: .readOnly)))
        for advice in madviseAdvices {
            s = "madvise buf len=2M \(advice.rawValue)"
            #expect(try threadOp(s)
                    == .madvise(MadviseArgs(address: addr(s, "buf", "buf", 0), len: 2 << 20,
                                                             advice: advice)))
        }
        #expect(try threadOp("c = fork") == .fork)
        s = "r = load buf-0x1000"
        #expect(try threadOp(s) == .load(address: addr(s, "buf", "buf", -4096)))
        s = "store buf+2M+4K value=42"
        #expect(try threadOp(s)
                == .store(StoreArgs(address: addr(s, "buf", "buf", (2 << 20) + 4096),
                                                     value: addr(s, "42", nil, 42))))
        s = "store buf value=-1"
        #expect(try threadOp(s)
                == .store(StoreArgs(address: addr(s, "buf", "buf", 0),
                                    value: addr(s, "-1", nil, -1))))
        s = "touch buf len=2M write"
        #expect(try threadOp(s)
                == .touch(TouchArgs(address: addr(s, "buf", "buf", 0), len: 2 << 20, write: true)))
        s = "m = observe buf"
        #expect(try threadOp(s) == .observe(address: addr(s, "buf", "buf", 0)))
    }

    @Test func gupAndRelease() throws {
        let s = "n = gup buf pages=512 fast write pin longterm p2pdma"
        var flags = GupFlags()
        flags.fast = true
        flags.write = true
        flags.pin = true
        flags.longterm = true
        flags.p2pdma = true
        #expect(try threadOp(s)
                == .gup(GupArgs(address: addr(s, "buf", "buf", 0), pages: 512, flags: flags)))
        var nowait = GupFlags()
        nowait.nowait = true
        #expect(try threadOp("gup buf pages=0x10 nowait") == .gup(GupArgs(
            address: AddrExpr(base: VariableRef(thread: nil, name: "buf"), offset: 0,
                              location: loc(17, 7)),
            pages: 16, flags: nowait)))
        #expect(try threadOp("unpin") == .unpin)
        #expect(try threadOp("put") == .put)
        let test = try parseLitmus(threadSource("gup buf pages=1 pin; unpin; gup buf pages=1; put"))
        #expect(test.threads[0].statements.map(\.op.name) == ["gup", "unpin", "gup", "put"])
    }

    @Test func ioAndFileOps() throws {
        var s = "dio_read /mnt/f into=buf len=4K offset=8K"
        #expect(try threadOp(s)
                == .dioRead(DirectIOArgs(target: .file("/mnt/f"), buffer: addr(s, "buf", "buf", 0),
                                                          len: 4096, offset: 8192)))
        s = "dio_write /dev/disk0 from=buf+2M len=512"
        #expect(try threadOp(s) == .dioWrite(DirectIOArgs(target: .device("disk0"),
                                                           buffer: addr(s, "buf", "buf", 2 << 20),
                                                           len: 512, offset: 0)))
        s = "n = process_vm_readv P buf len=4K"
        #expect(try threadOp(s) == .processVMReadv(ProcessVMReadvArgs(
            process: .named("P"), address: addr(s, "buf", "buf", 0), len: 4096)))
        #expect(try threadOp("truncate /mnt/f size=0")
                == .truncate(TruncateArgs(path: "/mnt/f", size: 0)))
        #expect(try threadOp("punch /mnt/f offset=4K len=8K")
                == .punch(PunchArgs(path: "/mnt/f", offset: 4096,
                                                                                  len: 8192)))
        #expect(try threadOp("r = unbind pmem0") == .unbind(device: "pmem0"))
        #expect(try threadOp("bind disk0") == .bind(device: "disk0"))
        #expect(try threadOp("free bo") == .free(.dmabuf("bo")))
        #expect(try threadOp("free bar") == .free(.p2pmem("bar")))
        #expect(try threadOp("alloc_pages 512") == .allocPages(count: 512))
    }

    @Test func assertStatement() throws {
        guard case .assert(.comparison(let comparison)) = try threadOp("assert buf != 0") else {
            Issue.record("expected an assert of a comparison")
            return
        }
        #expect(comparison.lhs.value == .variable(VariableRef(thread: nil, name: "buf")))
        #expect(comparison.lhs.location == loc(17, 10))
        #expect(comparison.op == .notEqual)
    }

    @Test func forkedChildAsProcessVMReadvTarget() throws {
        let op = try threadOp("c = fork; n = process_vm_readv c buf len=4K")
        #expect(op == .fork)
        let test = try parseLitmus(threadSource("c = fork; n = process_vm_readv c buf len=4K"))
        guard case .processVMReadv(let args) = test.threads[0].statements[1].op else {
            Issue.record("expected process_vm_readv")
            return
        }
        #expect(args.process == .forked(variable: "c"))
    }
}
