/// process_vm_readv() (mm/process_vm_access.c): the remote process's pages are pinned
/// through the slow path (pin_user_pages_remote; get_user_pages_remote before FOLL_PIN),
/// copied, and released.
extension Kernel {
    /// Models process_vm_rw_core() for a read of `len` bytes at `addr` in process `remote`
    /// into the caller. Returns bytes read or -errno (-EFAULT when nothing could be read).
    public func processVMReadv(_ t: KTask, remote: MMID, _ addr: UInt64,
                               _ len: UInt64) async -> Int {
        guard len > 0 else { return 0 }
        guard userRangeOK(addr, len) else { return -Errno.EFAULT }
        guard !mms[remote].exited else { return -Errno.ESRCH }
        let first = addr & ~(PAGE_SIZE - 1)
        let nrPages = Int((addr + len - first + PAGE_SIZE - 1) >> 12)
        let flags: FollFlags = config.era.hasFollPin ? [.pin, .remote] : [.get, .remote]
        var held = HeldPages()
        let got = await getUserPages(t, mm: remote, first, nrPages, flags, held: &held)
        guard got > 0 else { return got < 0 ? got : -Errno.EFAULT }
        for pfn in held.pfns {  // copy_page_to_iter: reads each pinned page's contents
            await t.step()
            _ = frameWords(pfn)
        }
        await releaseHeld(t, held, pinned: flags.contains(.pin))
        let end = min(addr + len, first + UInt64(got) << 12)
        return Int(end - addr)
    }
}
