/// A user-mode memory access: the CPU's page walk and the page-fault handler
/// (arch/x86/mm/fault.c do_user_addr_fault).
public enum AccessResult: Hashable, Sendable {
    /// The access went through to this physical address.
    case ok(phys: UInt64)
    /// The access killed the thread.
    case signal(Signal)
}

extension Kernel {
    /// One user access to `addr` by `t`: the MMU walks the tables (one scheduling point
    /// per entry read, as another CPU may change them meanwhile); on a miss or a
    /// permission fault, do_user_addr_fault() runs and the access is retried.
    public func userAccess(_ t: KTask, _ addr: UInt64, write: Bool) async -> AccessResult {
        let mm = t.mm
        for _ in 0..<16 {
            if let phys = await hardwareWalk(t, mm: mm, addr, write: write) { return .ok(phys: phys) }
            if let sig = await doUserAddrFault(t, mm: mm, addr, write: write) { return .signal(sig) }
        }
        report(.bugOn, "user access to \(hex(addr)) kept faulting (16 retries)", t)
        return .signal(.sigbus)
    }

    /// The MMU's walk: returns the physical address if a present leaf permits the access,
    /// setting ACCESSED/DIRTY as the CPU does; nil means a page fault.
    func hardwareWalk(_ t: KTask, mm: Int, _ addr: UInt64, write: Bool) async -> UInt64? {
        var slot = mms[mm].pgd
        var level = PageTableLevel.pgd
        while true {
            let ref = EntryRef(slot: slot, index: level.index(addr))
            let e = await readEntry(t, ref)
            guard e & PTEBits.present != 0 else { return nil }
            if level == .pte || (level != .pgd && layout.isLeaf(e)) {
                guard layout.accessPermitted(e, write: write) else { return nil }
                let want = PTEBits.accessed | (write ? PTEBits.dirty : 0)
                if e & want != want { await writeEntry(t, ref, e | want, level, "cpu sets A/D") }
                let offset = addr & (level.size - 1)
                let frame = e & PTEBits.pfnMask & ~(level.size - 1)
                return frame | offset
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

    /// Models do_user_addr_fault() (arch/x86/mm/fault.c): nil when handled (retry the
    /// access), or the signal. access_error(): a write needs VM_WRITE, a read any of
    /// VM_READ|VM_WRITE|VM_EXEC.
    func doUserAddrFault(_ t: KTask, mm: Int, _ addr: UInt64, write: Bool) async -> Signal? {
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
        switch await userAccess(t, addr, write: false) {
        case .ok(let phys):
            await t.step(Obj.frame(Int(phys >> 12)), .read)
            return .success(readPhys(phys))
        case .signal(let s): return .failure(SignalError(signal: s))
        }
    }

    /// `store ADDR value=V`.
    public func store(_ t: KTask, _ addr: UInt64, _ value: UInt64) async -> Signal? {
        switch await userAccess(t, addr, write: true) {
        case .ok(let phys):
            await t.step(Obj.frame(Int(phys >> 12)), .write)
            writePhys(phys, value)
            return nil
        case .signal(let s): return s
        }
    }

    /// `touch ADDR len=S [write]`: one access per page.
    public func touch(_ t: KTask, _ addr: UInt64, _ length: UInt64, write: Bool) async -> Signal? {
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
