/// A write through /proc/PID/mem (fs/proc/base.c mem_write → mem_rw → access_remote_vm,
/// mm/memory.c __access_remote_vm): the page is taken with get_user_pages_remote(FOLL_FORCE
/// | FOLL_WRITE), so a private read-only mapping is written the way a debugger pokes a
/// breakpoint: through a COW copy of its own, never into the file's page.
extension Kernel {
    /// Models mem_write() of one word: `value` is written at `addr` of process `remote`
    /// (the caller's own, for /proc/self/mem). Returns the bytes written (8), 0 when the
    /// process has exited (mmget_not_zero fails), -EIO when no page could be had (a hole
    /// GUP cannot fault in, a VM_IO/VM_PFNMAP vma), -EFAULT for a non-user address.
    public func memWrite(_ t: KTask, remote: MMID, _ addr: UInt64, _ value: UInt64) async -> Int {
        guard userRangeOK(addr, 8) else { return -Errno.EFAULT }
        guard !mms[remote].exited else { return 0 }
        // __access_remote_vm(): mmap_read_lock, then get_user_pages_remote of one page
        // with FOLL_FORCE|FOLL_WRITE (+FOLL_GET|FOLL_TOUCH|FOLL_REMOTE).
        let flags: FollFlags = [.write, .force, .get, .touch, .remote]
        await lockShared(t, .mmap(mm: remote))
        var pages: HeldPages? = HeldPages()
        let got = await getUserPagesLocked(t, mm: remote, addr, 1, flags, pages: &pages)
        guard got == 1, let pfn = pages?.pfns.first else {
            await unlockShared(t, .mmap(mm: remote))
            return -Errno.EIO  // mem_rw: nothing copied
        }
        // copy_to_user_page() into the kmap of the page, then set_page_dirty_lock().
        await t.step()
        if let i = mms[remote].vmaContaining(addr) {
            checkCowBypass(t, vma: mms[remote].vmas[i], addr, pfn: pfn)
        }
        writePhys(pfn.physAddr | (addr & (PAGE_SIZE - 1)), value)
        if memory.memmap.pfnValid(pfn) && pfn != memory.zeroPfn {
            withState(pfn) { $0.flags.insert(.dirty) }
        }
        t.exec.note("mem_write \(hex(addr)): \(value) into pfn \(hex(pfn))")
        await gupPutFolio(t, pfn, refs: 1, pinned: false)  // put_page
        await unlockShared(t, .mmap(mm: remote))
        return 8
    }

    /// The checker of FOLL_FORCE writes: through a private (COW) mapping a write may only
    /// reach the mapping's own anonymous copy. A page-cache page (the file itself, as in
    /// CVE-2016-5195) or the shared zero page written this way is `cow-bypass`.
    private func checkCowBypass(_ t: KTask, vma: VMA, _ addr: UInt64, pfn: Pfn) {
        guard vma.flags.isCOW else { return }
        if pfn == memory.zeroPfn || isHugeZero(compoundHead(pfn)) {
            report(.cowBypass, "FOLL_FORCE write at \(hex(addr)) of a private mapping went "
                   + "into the zero page", t)
        } else if memory.memmap.pfnValid(pfn) && !identity(pfn).flags.contains(.anon) {
            report(.cowBypass, "FOLL_FORCE write at \(hex(addr)) of a private mapping went "
                   + "into page-cache page \(hex(pfn)) (the file), not a COW copy", t)
        }
    }
}
