import MMExplore

/// A user-mode memory access: the CPU's page walk and the page-fault handler
/// (arch/x86/mm/fault.c do_user_addr_fault).
public enum AccessResult: Hashable, Sendable {
    /// The access went through to this physical address.
    case ok(phys: UInt64)
    /// The access killed the thread.
    case signal(Signal)
}

extension Kernel {
    /// One user access to `addr` by `t`: the CPU's TLB first (a hit uses the cached
    /// translation even if the entry was cleared since, until a flush drops it); on a miss
    /// the MMU walks the tables (one scheduling point per entry read, as another CPU may
    /// change them meanwhile) and fills the TLB; on a miss or a permission fault,
    /// do_user_addr_fault() runs and the access is retried.
    /// `data` declares the load or store of the frame's contents that the same instruction
    /// makes: it happens in the step that translates, so nothing can free or reuse the
    /// frame between the translation and the access.
    public func userAccess(_ t: KTask, _ addr: UInt64, write: Bool,
                           data: AccessKind? = nil) async -> AccessResult {
        // not a user address
        guard addr < TASK_SIZE, let mm = t.mm else { return .signal(.sigsegv) }
        tlb.ensure(cpu: t.cpu, mm: mm)
        if let phys = await tlbLookup(t, mm: mm, addr, write: write, data: data) {
            checkFreedPmem(t, Pfn(physAddr: phys), .staleTLB, "TLB hit \(hex(addr)) ->")
            return .ok(phys: phys)
        }
        for _ in 0..<16 {
            if let phys = await hardwareWalk(t, mm: mm, addr, write: write, data: data) {
                checkFreedPmem(t, Pfn(physAddr: phys), .useAfterFree,
                               "user access \(hex(addr)) through a mapping of")
                return .ok(phys: phys)
            }
            if let sig = await doUserAddrFault(t, mm: mm, addr, write: write) {
                return .signal(sig)
            }
        }
        report(.bugOn, "user access to \(hex(addr)) kept faulting (16 retries)", t)
        return .signal(.sigbus)
    }

    /// The MMU's walk: returns the physical address if a present leaf permits the access,
    /// setting ACCESSED/DIRTY as the CPU does and filling the TLB; nil means a page fault.
    /// The A/D update and the fill are one more step that re-reads the leaf: if another
    /// CPU changed it since the walk read it, the walk starts over (the hardware's locked
    /// A/D update fails; and a walk+fill is atomic with respect to a flush IPI).
    private func hardwareWalk(_ t: KTask, mm: MMID, _ addr: UInt64, write: Bool,
                              data: AccessKind? = nil) async -> UInt64? {
        walk: while true {
            var slot = mms[mm].pgd
            var level = PageTableLevel.pgd
            while true {
                let ref = EntryRef(slot: slot, index: level.index(addr))
                let e = await readEntry(t, ref)
                guard e & PTEBits.present != 0 else { return nil }
                if level == .pte || (level != .pgd && layout.isLeaf(e)) {
                    guard layout.accessPermitted(e, write: write) else { return nil }
                    let want = PTEBits.accessed | (write ? PTEBits.dirty : 0)
                    await t.step()
                    guard tables.read(ref.slot, ref.index) == e else { continue walk }
                    var leaf = e
                    if e & want != want {
                        leaf = e | want
                        tables.write(ref.slot, ref.index, leaf)
                        t.exec.note("cpu\(t.cpu) walk sets A/D \(level)[\(ref.slot):\(ref.index)] "
                                    + "\(layout.describe(e)) -> \(layout.describe(leaf))")
                    }
                    tlbFill(t, mm: mm, addr, size: level.size, entry: leaf)
                    let frame = leaf & PTEBits.pfnMask & ~(level.size - 1)
                    return frame | (addr & (level.size - 1))
                }
                guard let next = slotOf(entry: e) else {
                    report(.useAfterFree, "MMU walked \(level) entry into freed table page "
                           + hex(layout.pfn(e)), t)
                    return nil
                }
                slot = next
                level = PageTableLevel(rawValue: level.rawValue - 1)!
            }
        }
    }

    /// Models do_user_addr_fault() (arch/x86/mm/fault.c): nil when handled (retry the
    /// access), or the signal. access_error(): a write needs VM_WRITE, a read any of
    /// VM_READ|VM_WRITE|VM_EXEC.
    private func doUserAddrFault(_ t: KTask, mm: MMID, _ addr: UInt64,
                                 write: Bool) async -> Signal? {
        await lockShared(t, .mmap(mm: mm))
        guard let i = mms[mm].vmaContaining(addr) else {
            await unlockShared(t, .mmap(mm: mm))
            return .sigsegv
        }
        let flags = mms[mm].vmas[i].flags
        let allowed = write ? flags.contains(.write)
            : !flags.intersection([.read, .write, .exec]).isEmpty
        guard allowed else {
            await unlockShared(t, .mmap(mm: mm))
            return .sigsegv
        }
        let r = await handleMMFault(t, mm: mm, vma: i, addr, write ? [.write, .user] : [.user])
        await unlockShared(t, .mmap(mm: mm))
        switch r {
        case .done, .fallback: return nil
        case .sigbus: return .sigbus
        case .sigsegv: return .sigsegv
        case .oom: return .sigkill
        }
    }

    /// `load ADDR`: the word at `addr`, or the signal.
    public func load(_ t: KTask, _ addr: UInt64) async -> Result<UInt64, SignalError> {
        switch await userAccess(t, addr, write: false, data: .read) {
        case .ok(let phys):
            let value = readPhys(phys)
            // The value read, noted on the step that made the access (what a sketch of a
            // data race needs to show).
            t.exec.note("load \(hex(addr)) -> \(value) (pfn \(hex(phys >> 12)))")
            return .success(value)
        case .signal(let s): return .failure(SignalError(signal: s))
        }
    }

    /// `store ADDR value=V`.
    public func store(_ t: KTask, _ addr: UInt64, _ value: UInt64) async -> Signal? {
        switch await userAccess(t, addr, write: true, data: .write) {
        case .ok(let phys):
            writePhys(phys, value)
            t.exec.note("store \(hex(addr)) := \(value) (pfn \(hex(phys >> 12)))")
            return nil
        case .signal(let s): return s
        }
    }

    /// `touch ADDR len=S [write]`: one access per page.
    public func touch(_ t: KTask, _ addr: UInt64, _ length: UInt64, write: Bool) async -> Signal? {
        guard userRangeOK(addr, length) else { return .sigsegv }
        var a = addr & ~(PAGE_SIZE - 1)
        while a < addr + length {
            if case .signal(let s) = await userAccess(t, a, write: write) { return s }
            a += PAGE_SIZE
        }
        return nil
    }
}

/// A signal as an error value.
public struct SignalError: Error, Hashable, Sendable {
    /// The signal.
    public let signal: Signal
}
