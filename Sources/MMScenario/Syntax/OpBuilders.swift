import MMKernel

/// One builder per op: types the raw arguments and asks `Semantics` to resolve and record
/// names, in argument order so the first error is the leftmost.
extension Parser {
    mutating func buildOperation(_ raw: RawStatement,
                                 schema: OpSchema) throws(Diagnostic) -> Operation {
        let args = ArgumentReader(raw: raw, schema: schema)
        switch schema.name {
        case "pmem": return try buildPmem(args)
        case "disk":
            let name = try args.name(args.positional(0), for: "a device name")
            let size = try args.requiredSize("size", pageMultiple: true)
            try semantics.defineDisk(name, at: args.positional(0).location)
            return .disk(DiskArgs(name: name, size: size))
        case "mkfs":
            let device = try args.name(args.positional(0), for: "a device name")
            let fsArgument = args.positional(1)
            guard let filesystem = FilesystemType(rawValue: fsArgument.text) else {
                throw Diagnostic("mkfs makes ext4 or xfs, not `\(fsArgument.text)`",
                                 at: fsArgument.location)
            }
            try semantics.makeFilesystem(on: device, at: args.positional(0).location)
            return .mkfs(MkfsArgs(device: device, filesystem: filesystem))
        case "mount":
            let device = try args.name(args.positional(0), for: "a device name")
            let path = try args.path(args.positional(1), for: "a mount point")
            let dax = args.flag("dax")
            try semantics.mount(device, at: args.positional(0).location, path: path,
                                pathLocation: args.positional(1).location, dax: dax)
            return .mount(MountArgs(device: device, path: path, dax: dax))
        case "file": return try buildFile(args)
        case "hugetlbfs":
            let path = try args.path(args.positional(0), for: "a mount point")
            try semantics.mountHugetlbfs(path, at: args.positional(0).location)
            return .hugetlbfs(path: path)
        case "process":
            let name = try args.name(args.positional(0), for: "a process name")
            try semantics.defineProcess(name, at: args.positional(0).location)
            return .process(name: name)
        case "dmabuf":
            let name = try args.name(args.positional(0), for: "a buffer name")
            let size = try args.requiredSize("size", pageMultiple: true)
            let backing = try args.choice("backing", DmabufBacking.allCases)
            try semantics.defineBuffer(name, kind: .dmabuf, at: args.positional(0).location)
            return .dmabuf(DmabufArgs(name: name, size: size, backing: backing,
                                      huge: args.flag("huge")))
        case "p2pmem":
            let name = try args.name(args.positional(0), for: "a buffer name")
            let size = try args.requiredSize("size", pageMultiple: true)
            try semantics.defineBuffer(name, kind: .p2pmem, at: args.positional(0).location)
            return .p2pmem(P2PMemArgs(name: name, size: size))
        case "mmap": return try buildMmap(args)
        case "munmap":
            let address = try address(args.positional(0), args)
            return .munmap(RangeArgs(address: address, len: try args.requiredSize("len")))
        case "mremap":
            let address = try address(args.positional(0), args)
            let len = try args.requiredSize("len")
            guard let toArgument = args.value("to") else {
                throw Diagnostic("`mremap` needs to=ADDR (MREMAP_MAYMOVE|MREMAP_FIXED)",
                                 at: args.positional(0).location)
            }
            let to = try args.addrExpr(toArgument, for: "to=")
            try semantics.checkDefined(to)
            return .mremap(MremapArgs(address: address, len: len, to: to))
        case "mprotect":
            let address = try address(args.positional(0), args)
            let len = try args.requiredSize("len")
            let prot = try args.protection(try args.required("prot"))
            return .mprotect(MprotectArgs(address: address, len: len, prot: prot))
        case "madvise": return try buildMadvise(args)
        case "fork": return .fork
        case "load": return .load(address: try address(args.positional(0), args))
        case "store":
            let address = try address(args.positional(0), args)
            let value = try args.addrExpr(try args.required("value"), for: "value=")
            try semantics.checkDefined(value)
            return .store(StoreArgs(address: address, value: value))
        case "touch":
            let address = try address(args.positional(0), args)
            let len = try args.requiredSize("len")
            return .touch(TouchArgs(address: address, len: len, write: args.flag("write")))
        case "gup": return try buildGup(args)
        case "unpin":
            try semantics.release(pinned: true, at: raw.op.location)
            return .unpin
        case "put":
            try semantics.release(pinned: false, at: raw.op.location)
            return .put
        case "dio_read", "dio_write":
            return try buildDirectIO(args, read: schema.name == "dio_read")
        case "process_vm_readv":
            let target = args.positional(0)
            let process = try semantics.process(try args.name(target, for: "a process"),
                                                at: target.location)
            let address = try address(args.positional(1), args)
            return .processVMReadv(ProcessVMReadvArgs(process: process, address: address,
                                                      len: try args.requiredSize("len")))
        case "memwrite":
            let target = args.positional(0)
            let process = try semantics.process(try args.name(target, for: "a process"),
                                                at: target.location)
            let address = try address(args.positional(1), args)
            let value = try args.addrExpr(try args.required("value"), for: "value=")
            try semantics.checkDefined(value)
            return .memWrite(MemWriteArgs(process: process, address: address, value: value))
        case "truncate":
            let path = try file(args.positional(0), args)
            return .truncate(TruncateArgs(path: path,
                                          size: try args.requiredSize("size", positive: false)))
        case "punch":
            let path = try file(args.positional(0), args)
            let offset = try args.requiredSize("offset", positive: false)
            return .punch(PunchArgs(path: path, offset: offset, len: try args.requiredSize("len")))
        case "unbind", "bind":
            let device = try args.name(args.positional(0), for: "a device name")
            try semantics.checkDevice(device, at: args.positional(0).location)
            return schema.name == "bind" ? .bind(device: device) : .unbind(device: device)
        case "free":
            let name = try args.name(args.positional(0), for: "a dmabuf or p2pmem name")
            return .free(try semantics.buffer(name, at: args.positional(0).location))
        case "evict":
            let name = try args.name(args.positional(0), for: "a dmabuf name")
            guard case .dmabuf = try semantics.buffer(name, at: args.positional(0).location) else {
                throw Diagnostic("`evict` needs a dmabuf (a TTM buffer object), not "
                                 + "p2pmem `\(name)`",
                                 at: args.positional(0).location)
            }
            return .evict(dmabuf: name)
        case "khugepaged":
            let address = try address(args.positional(0), args)
            return .khugepaged(RangeArgs(address: address, len: try args.requiredSize("len")))
        case "migrate":
            let address = try address(args.positional(0), args)
            return .migrate(RangeArgs(address: address, len: try args.requiredSize("len")))
        case "alloc_pages":
            return .allocPages(count: try args.count(args.positional(0), for: "alloc_pages"))
        case "observe": return .observe(address: try address(args.positional(0), args))
        case "assert":
            // The condition was parsed and checked with the statement.
            guard let condition = raw.condition else {
                throw Diagnostic("`assert` needs a condition", at: raw.op.location)
            }
            return .assert(condition)
        default:
            throw Diagnostic("internal: no builder for `\(schema.name)`", at: raw.op.location)
        }
    }

    /// An address argument whose variable must be defined.
    mutating func address(_ argument: RawArgument,
                          _ args: ArgumentReader) throws(Diagnostic) -> AddrExpr {
        let expression = try args.addrExpr(argument, for: "the address")
        try semantics.checkDefined(expression)
        return expression
    }

    /// A path that `file` created.
    func file(_ argument: RawArgument, _ args: ArgumentReader) throws(Diagnostic) -> String {
        let path = try args.path(argument, for: "a file path")
        try semantics.checkFile(path, at: argument.location)
        return path
    }

    mutating func buildPmem(_ args: ArgumentReader) throws(Diagnostic) -> Operation {
        let name = try args.name(args.positional(0), for: "a device name")
        let size = try args.requiredSize("size", pageMultiple: true)
        let mode = try args.choice("mode", PmemMode.allCases)
        let map = try args.choice("map", PmemMap.allCases)
        var align: UInt64?
        if let argument = args.value("align") {
            let value = try args.size(argument, for: "align=")
            guard [4096, 2 << 20, 1 << 30].contains(value) else {
                throw Diagnostic("align= of pmem is 4K, 2M or 1G, not `\(argument.text)`",
                                 at: argument.location)
            }
            guard size % value == 0 else {
                throw Diagnostic("size= is not a multiple of align=\(argument.text): the "
                                 + "namespace is made of aligned pages", at: argument.location)
            }
            align = value
        }
        // device-dax hands out struct pages (ZONE_DEVICE): it cannot exist without a memmap.
        if mode == .devdax, map == PmemMap.none, let argument = args.value("map") {
            throw Diagnostic("mode=devdax needs struct pages: map=mem or map=dev, not map=none",
                             at: argument.location)
        }
        // ndctl's --map and --align configure the pfn/dax info block a raw namespace lacks.
        if mode == .raw, let key = args.keyArgument("map") ?? args.keyArgument("align") {
            throw Diagnostic("mode=raw has no memmap or alignment to set: drop \(key.text)= "
                                 + "(a raw namespace is the map=none situation)", at: key.location)
        }
        let region =
            try semantics.definePmem(name, mode: mode ?? .fsdax, at: args.positional(0).location)
        return .pmem(PmemArgs(name: name, size: size, mode: mode, map: map, align: align,
                              region: region))
    }

    mutating func buildFile(_ args: ArgumentReader) throws(Diagnostic) -> Operation {
        let argument = args.positional(0)
        let path = try args.path(argument, for: "a file path")
        let size = try args.requiredSize("size", pageMultiple: true)
        let layout = try args.choice("layout", fileLayouts)
        let uncached = args.flag("uncached")
        let onHugetlbfs = try semantics.defineFile(path, at: argument.location)
        if onHugetlbfs {
            if let key = args.keyArgument("layout") {
                throw Diagnostic("layout= is for block filesystems; a hugetlbfs file is made "
                                 + "of 2M pages",
                                 at: key.location)
            }
            if let flag = args.flagArgument("uncached") {
                throw Diagnostic("uncached is for block filesystems; a hugetlbfs file has no "
                                 + "backing store to read its pages back from", at: flag.location)
            }
            // hugetlbfs_setattr() refuses sizes that are not a multiple of the huge page size.
            if size % (2 << 20) != 0, let value = args.value("size") {
                throw Diagnostic("size=\(value.text) of a hugetlbfs file must be a multiple of 2M",
                                 at: value.location)
            }
        }
        return .file(FileArgs(path: path, size: size, layout: layout, uncached: uncached))
    }

    mutating func buildMmap(_ args: ArgumentReader) throws(Diagnostic) -> Operation {
        let targetArgument = args.positional(0)
        let target = try semantics.mapTarget(targetArgument)
        let len = try args.requiredSize("len")
        var prot = Protection.readWrite
        if let argument = args.value("prot") { prot = try args.protection(argument) }
        if let shared = args.flagArgument("shared"), args.flag("private") {
            throw Diagnostic("`shared` and `private` exclude each other", at: shared.location)
        }
        // MAP_SYNC exists only with MAP_SHARED_VALIDATE: a private sync mapping is meaningless.
        if let sync = args.flagArgument("sync"), args.flag("private") {
            throw Diagnostic("`sync` is MAP_SHARED_VALIDATE|MAP_SYNC: it cannot be `private`",
                             at: sync.location)
        }
        var placement = Placement.anywhere
        if let alignArgument = args.value("align") {
            if let at = args.keyArgument("at") {
                throw Diagnostic("`align=` and `at=` exclude each other: at= already fixes "
                                 + "the address",
                                 at: at.location)
            }
            let align = try args.size(alignArgument, for: "align=")
            guard align >= 4096, align & (align - 1) == 0 else {
                throw Diagnostic("align= must be a power of two of at least 4K, not "
                                 + "`\(alignArgument.text)`",
                                 at: alignArgument.location)
            }
            placement = .aligned(align)
        } else if let atArgument = args.value("at") {
            let at = try args.addrExpr(atArgument, for: "at=")
            try semantics.checkDefined(at)
            placement = .at(at)
        }
        let offset = try args.size(key: "offset", positive: false) ?? 0
        let sync = args.flag("sync")
        return .mmap(MmapArgs(target: target, len: len, prot: prot,
                              shared: args.flag("shared") || sync,
                              populate: args.flag("populate"), sync: sync, placement: placement,
                              offset: offset))
    }

    mutating func buildMadvise(_ args: ArgumentReader) throws(Diagnostic) -> Operation {
        let address = try address(args.positional(0), args)
        let len = try args.requiredSize("len")
        let advices = args.raw.words.dropFirst(1)
        guard let first = advices.first, let advice = MadviseAdvice(rawValue: first.text) else {
            throw Diagnostic("`madvise` needs an advice: "
                                 + madviseAdvices.map(\.rawValue).joined(separator: ", "),
                             at: args.raw.op.location)
        }
        if let second = advices.dropFirst().first {
            throw Diagnostic("`\(first.text)` and `\(second.text)` exclude each other: one advice "
                             + "per madvise",
                             at: second.location)
        }
        return .madvise(MadviseArgs(address: address, len: len, advice: advice))
    }

    mutating func buildGup(_ args: ArgumentReader) throws(Diagnostic) -> Operation {
        let address = try address(args.positional(0), args)
        let pages = try args.count(try args.required("pages"), for: "pages=")
        var flags = GupFlags()
        flags.fast = args.flag("fast")
        flags.write = args.flag("write")
        flags.pin = args.flag("pin")
        flags.longterm = args.flag("longterm")
        flags.p2pdma = args.flag("p2pdma")
        flags.nowait = args.flag("nowait")
        // gup-fast never sleeps; internal_get_user_pages_fast() WARNs on FOLL_NOWAIT.
        if flags.fast, let nowait = args.flagArgument("nowait") {
            throw Diagnostic("`nowait` (FOLL_NOWAIT) is for the slow path: gup-fast refuses it",
                             at: nowait.location)
        }
        semantics.hold(pinned: flags.pin)
        return .gup(GupArgs(address: address, pages: pages, flags: flags))
    }

    mutating func buildDirectIO(_ args: ArgumentReader,
                                read: Bool) throws(Diagnostic) -> Operation {
        let target = try semantics.ioTarget(args.positional(0))
        let key = read ? "into" : "from"
        let buffer = try args.addrExpr(try args.required(key), for: "\(key)=")
        try semantics.checkDefined(buffer)
        let len = try args.requiredSize("len")
        let offset = try args.size(key: "offset", positive: false) ?? 0
        let io = DirectIOArgs(target: target, buffer: buffer, len: len, offset: offset)
        return read ? .dioRead(io) : .dioWrite(io)
    }
}
