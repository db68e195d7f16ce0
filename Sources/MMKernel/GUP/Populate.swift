/// Prefaulting: __mm_populate() / populate_vma_page_range() and MADV_POPULATE_*
/// (mm/gup.c, mm/madvise.c). They walk like __get_user_pages() with pages == NULL: an
/// entry that is present with the needed permission is left alone, anything else is
/// faulted in; no references are taken.
extension Kernel {
    /// Models __mm_populate() (mm/gup.c): VM_IO|VM_PFNMAP vmas are skipped; with
    /// `ignoreErrors` a failing vma does not stop the rest. Returns 0 or -errno.
    func mmPopulate(_ t: KTask, mm: Int, _ start: UInt64, _ length: UInt64,
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
                // populate_vma_page_range(): write (to break COW) for private writable.
                let write = v.flags.contains(.write) && !v.flags.contains(.shared)
                let r = await populateRange(t, mm: mm, addr, stop, write: write)
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

    /// Models faultin_vma_page_range() for MADV_POPULATE_READ/WRITE (mm/madvise.c):
    /// -ENOMEM on a gap, -EINVAL on VM_IO|VM_PFNMAP (the -EFAULT of check_vma_flags
    /// becomes -EINVAL), -EFAULT when a fault fails.
    func madvisePopulate(_ t: KTask, mm: Int, _ start: UInt64, _ end: UInt64,
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
            if !v.flags.intersection([.io, .pfnMap]).isEmpty {
                result = -Errno.EINVAL
                break
            }
            if write && !v.flags.contains(.write) {
                result = -Errno.EFAULT
                break
            }
            let stop = min(v.end, end)
            let r = await populateRange(t, mm: mm, addr, stop, write: write)
            if r < 0 {
                result = r == -Errno.ENOMEM ? -Errno.ENOMEM : -Errno.EFAULT
                break
            }
            addr = stop
        }
        await unlockShared(t, .mmap(mm: mm))
        return result
    }

    /// The __get_user_pages() loop with pages == NULL over `[start, end)` of one vma
    /// (caller holds mmap_lock): follow the entry; fault where it is missing or lacks
    /// write permission. Returns 0 or -errno.
    func populateRange(_ t: KTask, mm: Int, _ start: UInt64, _ end: UInt64,
                       write: Bool) async -> Int {
        var addr = start
        while addr < end {
            let w = walkSnapshot(mm: mm, addr)
            let e = w.entry
            let leaf = w.level == .pte || (w.level != .pgd && layout.isLeaf(e))
            if leaf && e & PTEBits.present != 0 && (!write || layout.isWrite(e)) {
                addr = (addr & ~(w.level.size - 1)) + w.level.size
                continue
            }
            guard let vi = mms[mm].vmaContaining(addr) else { return -Errno.EFAULT }
            let r = await handleMMFault(t, mm: mm, vma: vi, addr,
                                        write ? [.write] : [])
            switch r {
            case .done, .fallback: continue
            case .oom: return -Errno.ENOMEM
            case .sigbus, .sigsegv: return -Errno.EFAULT
            }
        }
        return 0
    }
}
