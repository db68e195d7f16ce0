/// Prefaulting: __mm_populate() / populate_vma_page_range() and MADV_POPULATE_*
/// (mm/gup.c, mm/madvise.c). They walk like __get_user_pages() with pages == NULL: an
/// entry that is present with the needed permission is left alone, anything else is
/// faulted in; no references are taken.
extension Kernel {
    /// Models __mm_populate() (mm/gup.c): VM_IO|VM_PFNMAP vmas are skipped; with
    /// `ignoreErrors` a failing vma does not stop the rest. Returns 0 or -errno.
    func mmPopulate(_ t: KTask, mm: MMID, _ start: UInt64, _ length: UInt64,
                    ignoreErrors: Bool) async -> Int {
        let end = start + length
        await lockShared(t, .mmap(mm: mm))
        var addr = start
        var result = 0
        while addr < end {
            guard let i = mms[mm].findVMA(addr), mms[mm].vmas[i].start < end else { break }
            let v = mms[mm].vmas[i]
            addr = max(addr, v.start)
            let stop = min(v.end, end)
            if v.flags.intersection([.io, .pfnMap]).isEmpty {
                // populate_vma_page_range(): FOLL_TOUCH, FOLL_WRITE to break COW of a
                // private writable vma, FOLL_FORCE for any accessible one.
                var flags: FollFlags = [.touch]
                if v.flags.intersection([.write, .shared]) == .write { flags.insert(.write) }
                if !v.flags.intersection([.read, .write, .exec]).isEmpty { flags.insert(.force) }
                let r = v.flags.intersection([.read, .write, .exec]).isEmpty ? -Errno.EFAULT
                    : await populateRange(t, mm: mm, addr, stop, flags: flags)
                if r < 0 && !ignoreErrors {
                    result = r
                    break
                }
            }
            addr = stop
        }
        await unlockShared(t, .mmap(mm: mm))
        return result
    }

    /// Models madvise_populate() → faultin_vma_page_range() (mm/madvise.c, mm/gup.c):
    /// -ENOMEM on a gap, -EINVAL where check_vma_flags() refuses (VM_IO|VM_PFNMAP, a
    /// write to a read-only vma), -EFAULT when a fault fails (SIGBUS/SIGSEGV).
    func madvisePopulate(_ t: KTask, mm: MMID, _ start: UInt64, _ end: UInt64,
                         write: Bool) async -> Int {
        await lockShared(t, .mmap(mm: mm))
        var addr = start
        var result = 0
        while addr < end {
            guard let i = mms[mm].vmaContaining(addr) else {
                result = -Errno.ENOMEM
                break
            }
            let v = mms[mm].vmas[i]
            let flags: FollFlags = write ? [.touch, .write] : [.touch]
            if checkVmaFlags(v, flags) != 0 {
                result = -Errno.EINVAL
                break
            }
            let stop = min(v.end, end)
            let r = await populateRange(t, mm: mm, addr, stop, flags: flags)
            if r < 0 {
                switch -r {
                case Errno.EINVAL, Errno.EFAULT, Errno.EINTR: result = r
                default: result = -Errno.ENOMEM
                }
                break
            }
            addr = stop
        }
        await unlockShared(t, .mmap(mm: mm))
        return result
    }

    /// __get_user_pages() with pages == NULL over `[start, end)` (caller holds
    /// mmap_lock): entries present with the needed permission are left alone, anything
    /// else is faulted in. Returns 0 or -errno.
    private func populateRange(_ t: KTask, mm: MMID, _ start: UInt64, _ end: UInt64,
                               flags: FollFlags) async -> Int {
        var none: HeldPages? = nil
        let r = await getUserPagesLocked(t, mm: mm, start, Int((end - start) >> 12), flags,
                                         pages: &none)
        return r < 0 ? r : 0
    }
}
