import MMExplore
import MMKernel

/// Statement execution: each op calls the kernel function a program's system call or
/// memory access would reach.
extension ScenarioExecution {
    /// Runs one statement; returns its value (nil for ops without one).
    func execute(_ s: Statement, scope: String, task t: KTask,
                 threadProcess: MMID?) async -> Value? {
        // The process context: the prefix in init/finally, the thread's process otherwise.
        if let p = s.process {
            guard let mm = resolve(p, scope: scope) else {
                return fail(s, "unknown process \(p)", t)
            }
            t.mm = mm
        } else if let tp = threadProcess {
            t.mm = tp
        }
        await kernel.switchMM(t)  // the CPU runs the statement's process (no-op if loaded)
        let k = kernel
        switch s.op {
        case .disk(let d):
            k.addDisk(name: d.name, size: d.size)
            return nil
        case .mkfs(let m):
            guard let dev = k.blockDevice(named: m.device) else {
                return fail(s, "no device \(m.device)", t)
            }
            k.mkfs(device: dev, m.filesystem == .ext4 ? .ext4 : .xfs)
            return .int(0)
        case .mount(let m):
            guard let dev = k.blockDevice(named: m.device) else {
                return fail(s, "no device \(m.device)", t)
            }
            if m.dax { return .int(Int64(k.mountDax(device: dev, at: m.path))) }
            return .int(Int64(k.mount(device: dev, at: m.path, dax: false)))
        case .file(let f):
            if k.isOnHugetlbfs(path: f.path) {
                return .int(Int64(k.createHugetlbFile(path: f.path, size: f.size)))
            }
            let layout = MMKernel.FileLayout(rawValue: (f.layout ?? .contiguous).rawValue)!
            let r = k.createFileWithBlocks(path: f.path, size: f.size, layout: layout)
            guard r == 0, !f.uncached, let inode = k.inode(path: f.path) else {
                return .int(Int64(r))
            }
            return .int(Int64(await k.writeFileThroughCache(t, inode: inode)))
        case .process(let name):
            guard let mm = await k.createProcess(t, name: name) else {
                return .int(-Int64(Errno.ENOMEM))
            }
            return .process(mm, name)
        case .mmap(let m):
            return await mmap(m, s, scope: scope, t)
        case .munmap(let r):
            guard let a = value(of: r.address, scope: scope) else { return unset(s, r.address, t) }
            guard let mm = t.mm else { return noProcess(s, t) }
            return .int(Int64(await k.munmap(t, mm: mm, UInt64(bitPattern: a), r.len)))
        case .mremap(let r):
            guard let a = value(of: r.address, scope: scope) else { return unset(s, r.address, t) }
            guard let b = value(of: r.to, scope: scope) else { return unset(s, r.to, t) }
            guard let mm = t.mm else { return noProcess(s, t) }
            return .int(await k.mremap(t, mm: mm, UInt64(bitPattern: a), r.len,
                                       to: UInt64(bitPattern: b)))
        case .mprotect(let r):
            guard let a = value(of: r.address, scope: scope) else { return unset(s, r.address, t) }
            guard let mm = t.mm else { return noProcess(s, t) }
            return .int(Int64(await k.mprotect(t, mm: mm, UInt64(bitPattern: a), r.len,
                                               read: r.prot.read, write: r.prot.write,
                                               exec: false)))
        case .madvise(let r):
            guard let a = value(of: r.address, scope: scope) else { return unset(s, r.address, t) }
            let advice = MMKernel.MadviseAdvice(rawValue: r.advice.rawValue)!
            guard let mm = t.mm else { return noProcess(s, t) }
            return .int(Int64(await k.madvise(t, mm: mm, UInt64(bitPattern: a), r.len, advice)))
        case .fork:
            guard let mm = t.mm else { return noProcess(s, t) }
            guard let child = await k.fork(t, mm: mm) else { return .int(-Int64(Errno.ENOMEM)) }
            return .process(child, k.mm(child).name)
        case .load(let address):
            guard let a = value(of: address, scope: scope) else { return unset(s, address, t) }
            switch await k.load(t, UInt64(bitPattern: a)) {
            case .success(let v): return .int(Int64(bitPattern: v))
            case .failure(let e): return .signal(e.signal)
            }
        case .store(let st):
            guard let a = value(of: st.address, scope: scope) else {
                return unset(s, st.address, t)
            }
            guard let v = value(of: st.value, scope: scope) else { return unset(s, st.value, t) }
            if let sig = await k.store(t, UInt64(bitPattern: a), UInt64(bitPattern: v)) {
                return .signal(sig)
            }
            return .int(0)
        case .touch(let tc):
            guard let a = value(of: tc.address, scope: scope) else {
                return unset(s, tc.address, t)
            }
            if let sig = await k.touch(t, UInt64(bitPattern: a), tc.len, write: tc.write) {
                return .signal(sig)
            }
            return .int(0)
        case .truncate(let tr):
            guard let ino = k.inode(path: tr.path) else { return .int(-Int64(Errno.ENOENT)) }
            return .int(Int64(await k.truncate(t, inode: ino, size: tr.size)))
        case .khugepaged(let r):
            guard let a = value(of: r.address, scope: scope) else { return unset(s, r.address, t) }
            guard let mm = t.mm else { return noProcess(s, t) }
            return .int(Int64(await k.khugepagedCollapse(t, mm: mm, UInt64(bitPattern: a),
                                                         r.len)))
        case .migrate(let r):
            guard let a = value(of: r.address, scope: scope) else { return unset(s, r.address, t) }
            guard let mm = t.mm else { return noProcess(s, t) }
            return .int(Int64(await k.movePages(t, mm: mm, UInt64(bitPattern: a), r.len)))
        case .allocPages(let n):
            let got = await k.harnessAlloc(t, n)
            harness += got
            return .int(Int64(got.count))
        case .observe(let address):
            guard let a = value(of: address, scope: scope) else { return unset(s, address, t) }
            guard let mm = t.mm else { return noProcess(s, t) }
            let o = k.observe(mm: mm, UInt64(bitPattern: a))
            t.exec.note("observe 0x\(String(a, radix: 16)): \(o.level) "
                        + "\(k.layout.describe(o.entry))")
            return .observation(o)
        case .assert(let c):
            if !evaluate(c, scope: scope) {
                k.report(.assert, "assert at \(s.location) failed: \(text(of: s))", on: t.name)
            }
            return nil
        case .gup(let g):
            guard let a = value(of: g.address, scope: scope) else { return unset(s, g.address, t) }
            guard let mm = t.mm else { return noProcess(s, t) }
            return .int(Int64(await gup(g, mm: mm, UInt64(bitPattern: a), scope: scope, t)))
        case .unpin, .put:
            let pinned: Bool
            if case .unpin = s.op { pinned = true } else { pinned = false }
            var mine = held[scope, default: HeldPages()]
            let release =
                HeldPages(pfns: zip(mine.pfns, mine.pinned).filter { $0.1 == pinned }.map(\.0),
                                    pinned: mine.pinned.filter { $0 == pinned })
            await k.releaseHeld(t, release, pinned: pinned)
            let keep = zip(mine.pfns, mine.pinned).filter { $0.1 != pinned }
            mine = HeldPages(pfns: keep.map(\.0), pinned: keep.map(\.1))
            held[scope] = mine
            return .int(Int64(release.pfns.count))
        case .dioRead(let d), .dioWrite(let d):
            var isRead = false
            if case .dioRead = s.op { isRead = true }
            guard let a = value(of: d.buffer, scope: scope) else { return unset(s, d.buffer, t) }
            let store: DataStore
            switch d.target {
            case .file(let path):
                guard let ino = k.inode(path: path) else { return .int(-Int64(Errno.ENOENT)) }
                store = .file(ino)
            case .device(let name):
                let bare = name.hasPrefix("/dev/") ? String(name.dropFirst(5)) : name
                guard let dev = k.blockDevice(named: bare) else {
                    return .int(-Int64(Errno.ENODEV))
                }
                store = .device(dev)
            }
            return .int(Int64(await k.directIO(t, read: isRead, store: store,
                                               buffer: UInt64(bitPattern: a),
                                               len: d.len, offset: d.offset)))
        case .processVMReadv(let p):
            guard let a = value(of: p.address, scope: scope) else { return unset(s, p.address, t) }
            guard let remote = resolve(p.process, scope: scope) else {
                return .int(-Int64(Errno.ESRCH))
            }
            return .int(Int64(await k.processVMReadv(t, remote: remote,
                                                     UInt64(bitPattern: a), p.len)))
        case .memWrite(let w):
            guard let a = value(of: w.address, scope: scope) else { return unset(s, w.address, t) }
            guard let v = value(of: w.value, scope: scope) else { return unset(s, w.value, t) }
            guard let remote = resolve(w.process, scope: scope) else {
                return .int(-Int64(Errno.ESRCH))
            }
            return .int(Int64(await k.memWrite(t, remote: remote, UInt64(bitPattern: a),
                                               UInt64(bitPattern: v))))
        case .dmabuf(let d):
            let placement: TTMPlacement = d.backing == .vram ? .vram : .system
            return .int(Int64(await k.dmabufCreate(t, name: d.name, size: d.size,
                                                   placement: placement, huge: d.huge)))
        case .p2pmem(let p):
            return .int(Int64(await k.p2pmemCreate(t, name: p.name, size: p.size)))
        case .free(.dmabuf(let name)):
            return .int(Int64(await k.dmabufFree(t, name: name)))
        case .evict(let name):
            return .int(Int64(await k.dmabufEvict(t, name: name)))
        case .free(.p2pmem(let name)):
            return .int(Int64(await k.p2pmemFree(t, name: name)))
        case .pmem(let p):
            let mode = MMKernel.NamespaceMode(rawValue: (p.mode ?? .fsdax).rawValue)!
            let map = p.map.map { MMKernel.NamespaceMap(rawValue: $0.rawValue)! }
            return .int(Int64(await k.addPmem(t, name: p.name, size: p.size, mode: mode, map: map,
                                              align: p.align)))
        case .unbind(let dev):
            guard let ns = k.pmemNamespace(named: deviceName(dev)) else {
                return .int(-Int64(Errno.ENODEV))
            }
            return .int(Int64(await k.pmemUnbind(t, ns)))
        case .bind(let dev):
            guard let ns = k.pmemNamespace(named: deviceName(dev)) else {
                return .int(-Int64(Errno.ENODEV))
            }
            return .int(Int64(await k.pmemBind(t, ns)))
        case .punch(let p):
            guard let ino = k.inode(path: p.path) else { return .int(-Int64(Errno.ENOENT)) }
            return .int(Int64(await k.punchHole(t, inode: ino, offset: p.offset, length: p.len)))
        case .hugetlbfs(let path):
            return .int(Int64(k.mountHugetlbfs(at: path)))
        }
    }

    /// `gup`: get_user_pages[_fast] or pin_user_pages[_fast] with the statement's flags;
    /// the pages stay held by the thread until `unpin`/`put`.
    private func gup(_ g: GupArgs, mm: MMID, _ addr: UInt64, scope: String,
                     _ t: KTask) async -> Int {
        var flags: FollFlags = g.flags.pin ? [.pin] : [.get]
        if g.flags.write { flags.insert(.write) }
        if g.flags.longterm { flags.insert(.longterm) }
        if g.flags.p2pdma { flags.insert(.pciP2PDMA) }
        if g.flags.nowait { flags.insert(.nowait) }
        var mine = held[scope, default: HeldPages()]
        let r = g.flags.fast
            ? await kernel.getUserPagesFast(t, mm: mm, addr, g.pages, flags, held: &mine)
            : await kernel.getUserPages(t, mm: mm, addr, g.pages, flags, held: &mine)
        held[scope] = mine
        return r
    }

    private func mmap(_ m: MmapArgs, _ s: Statement, scope: String, _ t: KTask) async -> Value? {
        let target: MMKernel.MapTarget
        switch m.target {
        case .anon: target = .anon
        case .devMem: target = .devMem
        case .file(let path):
            guard let ino = kernel.inode(path: path) else { return .int(-Int64(Errno.ENOENT)) }
            target = .file(inode: ino)
        case .dmabuf(let name):
            guard let bo = kernel.dmabuf(named: name) else { return .int(-Int64(Errno.EBADF)) }
            target = .dmabuf(bo: bo)
        case .p2pmem(let name):
            guard let p = kernel.p2pmem(named: name) else { return .int(-Int64(Errno.ENOENT)) }
            target = .p2pmem(provider: p)
        case .devDax(let region, let minor):
            // open("/dev/daxN.M"): no such node unless region N is a device-dax namespace
            // (there is none before v4.7, nor after a failed `pmem`).
            guard kernel.pmemNamespace(named: "dax\(region).\(minor)") != nil else {
                return .int(-Int64(Errno.ENOENT))
            }
            target = .devDax(region: RegionID(region))
        case .packetRing:
            target = .packetRing
        }
        var req = MmapRequest(target: target, length: m.len)
        req.read = m.prot.read
        req.write = m.prot.write
        req.shared = m.shared
        req.populate = m.populate
        req.offset = m.offset
        req.sync = m.sync
        switch m.placement {
        case .anywhere: req.placement = .anywhere
        case .aligned(let a): req.placement = .aligned(a)
        case .at(let e):
            guard let a = value(of: e, scope: scope) else { return unset(s, e, t) }
            req.placement = .at(UInt64(bitPattern: a))
        }
        guard let mm = t.mm else { return noProcess(s, t) }
        return .int(await kernel.mmap(t, mm: mm, req))
    }

    /// `pmem0`, `/dev/pmem0`, `dax2.0` or `/dev/dax2.0` as a device name.
    private func deviceName(_ d: String) -> String {
        d.hasPrefix("/dev/") ? String(d.dropFirst(5)) : d
    }

    /// A statement used a variable that has no number at run time (it was never assigned
    /// because its thread died earlier, or holds a signal): the statement fails with
    /// -EFAULT, as a syscall given a garbage pointer would, and the test says why.
    private func unset(_ s: Statement, _ e: AddrExpr, _ t: KTask) -> Value {
        t.exec.note("\(e) has no numeric value here; \(s.op.name) gets -EFAULT")
        return .int(-Int64(Errno.EFAULT))
    }

    /// A statement that needs a process run without one. It cannot happen from a parsed
    /// test (init and finally name the process; a thread whose process does not exist
    /// never starts), but should it, the statement cannot run: a setup error, not a trap.
    private func noProcess(_ s: Statement, _ t: KTask) -> Value? {
        fail(s, "no process to run `\(s.op.name)` in", t)
    }

    /// A statement that cannot run (a process or device it names does not exist at run
    /// time): a setup error of the test, not a kernel bug; nothing runs after it.
    private func fail(_ s: Statement, _ why: String, _ t: KTask) -> Value? {
        if setupError == nil {
            setupError = "\(s.location): setup error: `\(text(of: s))`: \(why)"
            t.exec.note(setupError!)
        }
        return nil
    }
}
