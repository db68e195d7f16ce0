/// check_vma_flags() and is_valid_gup_flags() (mm/gup.c; reference §4.2).
extension Kernel {
    /// Models vma_is_fsdax() (include/linux/fs.h): a file vma on a DAX mount (not
    /// device-dax, whose inode is a character device).
    func vmaIsFsdax(_ vma: VMA) -> Bool { vma.isFsDax }

    /// Models check_vma_flags() (mm/gup.c): 0 or the errno that stops GUP on this vma.
    func checkVmaFlags(_ vma: VMA, _ flags: FollFlags) -> Int {
        if !vma.flags.intersection([.io, .pfnMap]).isEmpty { return -Errno.EFAULT }
        if flags.contains(.longterm) && config.era.longtermFsdaxCheck == .checkVmaFlags
            && vmaIsFsdax(vma) {
            return -Errno.EOPNOTSUPP
        }
        if flags.contains(.write) {
            if config.era.longtermWriteFileRefused && flags.contains(.pin)
                && flags.contains(.longterm) && vmaNeedsDirtyTracking(vma) {
                return -Errno.EFAULT
            }
            if !vma.flags.contains(.write) {
                guard flags.contains(.force), vma.flags.isCOW else { return -Errno.EFAULT }
            }
        } else if !vma.flags.contains(.read) {
            guard flags.contains(.force), vma.flags.contains(.mayRead) else { return -Errno.EFAULT }
        }
        return 0
    }

    /// Models vma_needs_dirty_tracking() (mm/mmap.c, v6.5+): a shared, write-notified
    /// file mapping of a filesystem that tracks dirty pages (not DAX).
    private func vmaNeedsDirtyTracking(_ vma: VMA) -> Bool {
        guard vma.flags.contains(.shared), case .file = vma.backing else { return false }
        return true
    }

    /// Models is_valid_gup_flags() (mm/gup.c, 6.x) and the flag checks of the GUP entry
    /// points: 0 or -EINVAL; a WARN_ON_ONCE is reported as `bug-on`.
    func validGupFlags(_ t: KTask, _ flags: FollFlags) -> Int {
        if flags.contains(.pin) && !config.era.hasFollPin {
            return -Errno.EINVAL  // no pin_user_pages*() in this era
        }
        if flags.contains(.longterm) && !config.era.hasFollLongterm { return -Errno.EINVAL }
        if flags.contains(.pciP2PDMA) && !config.era.hasP2PDMAUser { return -Errno.EINVAL }
        if flags.contains(.longterm) && !flags.contains(.pin) && config.era.longtermRequiresPin {
            report(.bugOn, "is_valid_gup_flags: WARN_ON_ONCE(FOLL_LONGTERM without FOLL_PIN)", t)
            return -Errno.EINVAL
        }
        if flags.contains(.longterm) && flags.contains(.pciP2PDMA) {
            report(.bugOn, "is_valid_gup_args: WARN_ON_ONCE(FOLL_LONGTERM|FOLL_PCI_P2PDMA)", t)
            return -Errno.EINVAL
        }
        return 0
    }
}
