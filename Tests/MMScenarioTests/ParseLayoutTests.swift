import MMKernel
import Testing
@testable import MMScenario

/// The layout of a test: header, description, kernel line, blocks, condition, expectations.
@Suite struct ParseLayoutTests {
    static let full = """
    MM gupfast-vs-unbind   # the name
    "Thread 0 does direct I/O into a fs-dax mapping
    while thread 1 unbinds the namespace."
    kernel v5.10 -thp_always +alloc_lifo

    init {                       # runs once
      pmem pmem0 size=16M mode=fsdax map=mem align=2M
      mkfs pmem0 xfs
      mount pmem0 /mnt dax
      file /mnt/f size=2M layout=contiguous
      disk disk0 size=1M
      process P
      P: buf = mmap /mnt/f len=2M shared populate align=2M
    }

    T0 on P {
      r = dio_read disk0 into=buf len=4K
    }

    T1 { x = unbind pmem0 }

    finally {
      P: m = observe buf
    }

    exists (T0:r == -EFAULT \\/ T1:x != 0)
    expect Sometimes
    expect violation use-after-free
    """

    @Test func fullTest() throws {
        let test = try parseLitmus(Self.full)
        #expect(test.name == "gupfast-vs-unbind")
        #expect(test.location == loc(1, 1))
        #expect(test.description
                == "Thread 0 does direct I/O into a fs-dax mapping\nwhile thread 1 unbinds "
                    + "the namespace.")
        let kernel = try #require(test.kernel)
        #expect(kernel.era == .v5_10)
        #expect(kernel.location == loc(4, 1))
        #expect(kernel.eraLocation == loc(4, 8))
        #expect(kernel.overrides.map(\.knob) == [.thpAlways, .allocLifo])
        #expect(kernel.overrides.map(\.on) == [false, true])
        #expect(kernel.overrides[0].location == loc(4, 14))
        #expect(test.kernelConfig.era == .v5_10)
        #expect(!test.kernelConfig.has(.thpAlways))
        #expect(test.kernelConfig.has(.allocLifo))

        #expect(test.initStatements.count == 7)
        let mmap = test.initStatements[6]
        #expect(mmap.location == loc(13, 3))
        #expect(mmap.process == .named("P"))
        #expect(mmap.result == "buf")
        #expect(mmap.op
                == .mmap(MmapArgs(target: .file("/mnt/f"), len: 2 << 20, prot: .readWrite,
                                  shared: true,
                                          populate: true, sync: false, placement: .aligned(2 << 20),
                                          offset: 0)))

        #expect(test.threads.map(\.name) == ["T0", "T1"])
        #expect(test.threads.map(\.index) == [0, 1])
        #expect(test.threads[0].process == .named("P"))
        #expect(test.threads[1].process == .main)
        #expect(test.threads[1].location == loc(20, 1))
        let dio = test.threads[0].statements[0]
        #expect(dio.process == nil)
        #expect(dio.op == .dioRead(DirectIOArgs(target: .device("disk0"),
                                                buffer: AddrExpr(base: VariableRef(thread: nil,
                                                                                   name: "buf"),
                                                                 offset: 0,
                                                                 location: loc(17, 27)),
                                                len: 4096, offset: 0)))
        #expect(test.threads[1].statements[0].op == .unbind(device: "pmem0"))
        #expect(test.finallyStatements.first?.op == .observe(address: AddrExpr(
            base: VariableRef(thread: nil, name: "buf"), offset: 0, location: loc(23, 18))))

        let clause = try #require(test.condition)
        #expect(clause.quantifier == .exists)
        #expect(clause.location == loc(26, 1))
        guard case .or(.comparison(let left), .comparison(let right)) = clause.condition else {
            Issue.record("expected an or of two comparisons")
            return
        }
        #expect(left.lhs.value == .variable(VariableRef(thread: "T0", name: "r")))
        #expect(left.rhs.value == .errno(ErrnoName(name: "EFAULT")!))
        #expect(right.op == .notEqual)
        #expect(right.rhs.value == .integer(0))
        #expect(test.expectations.map(\.expectation)
                == [.observation(.sometimes), .violation(.useAfterFree)])
        #expect(test.expectations[1].location == loc(28, 1))
        #expect(test.sourceHash == LitmusTest.fnv1a(Self.full))
    }

    @Test func minimalTestUsesNewestEra() throws {
        let test = try parseLitmus("MM tiny\nT0 { buf = mmap anon len=4K }\n")
        #expect(test.kernel == nil)
        #expect(test.description == nil)
        #expect(test.kernelConfig == KernelConfig(era: Era.newest))
        #expect(test.initStatements.isEmpty && test.finallyStatements.isEmpty)
        #expect(test.condition == nil && test.expectations.isEmpty)
        #expect(test.threads[0].process == .main)
    }

    @Test func quantifiersAndExpectations() throws {
        let base = "MM q\nT0 { r = load 0x1000 }\n"
        #expect(try parseLitmus(base
                                + "forall (T0:r == 0)\nexpect Always\nexpect "
                                + "pass").condition?.quantifier == .forall)
        let notExists = try parseLitmus(base + "~exists (T0:r == SIGSEGV)\nexpect Never")
        #expect(notExists.condition?.quantifier == .notExists)
        #expect(notExists.expectations.map(\.expectation) == [.observation(.never)])
        #expect(try parseLitmus(base + "exists T0:r == 1").condition?.quantifier == .exists)
    }

    @Test func fnv1aIsTheStandardHash() {
        #expect(LitmusTest.fnv1a("") == 0x811c_9dc5)
        #expect(LitmusTest.fnv1a("a") == 0xe40c_292c)
        #expect(LitmusTest.fnv1a("foobar") == 0xbf9c_f968)
    }

    @Test func statementsSeparatedBySemicolonsAndOneLineBlocks() throws {
        let test =
            try parseLitmus("MM s\nT0 { a = mmap anon len=4K; store a value=1 ; r = load a "
                            + "}\nT1 {\n}\n")
        #expect(test.threads[0].statements.map(\.op.name) == ["mmap", "store", "load"])
        #expect(test.threads[1].statements.isEmpty)
    }

    @Test func processPrefixForms() throws {
        let source = """
        MM p
        init {
          process P
          P: a = mmap anon len=4K
          P:b = mmap anon len=4K
          main: c = mmap anon len=4K
          P: child = fork
          child: store a value=7
        }
        T0 on child { r = load a }
        T1 on main { r = load c }
        finally { child: r = load a+8 }
        """
        let test = try parseLitmus(source)
        #expect(test.initStatements.map(\.process)
                == [nil, .named("P"), .named("P"), .main, .named("P"),
                                                          .forked(variable: "child")])
        #expect(test.initStatements[2].result == "b")
        #expect(test.threads[0].process == .forked(variable: "child"))
        #expect(test.threads[1].process == .main)
        #expect(test.finallyStatements[0].process == .forked(variable: "child"))
    }

    @Test func kernelConfigWithoutOverrides() throws {
        let test = try parseLitmus("MM k\nkernel v4.4\n")
        #expect(test.kernelConfig == KernelConfig(era: .v4_4))
        #expect(test.kernel?.overrides.isEmpty == true)
    }
}
