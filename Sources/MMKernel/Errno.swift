/// errno values (include/uapi/asm-generic/errno-base.h, errno.h). Results are returned
/// as negative values, as the kernel returns them.
public enum Errno {
    public static let EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7
    public static let EBADF = 9
    public static let EAGAIN = 11, ENOMEM = 12, EFAULT = 14, EBUSY = 16, EEXIST = 17
    public static let ENODEV = 19, EINVAL = 22, ENOSPC = 28, ERANGE = 34, EOPNOTSUPP = 95
    public static let EOVERFLOW = 75, EREMOTEIO = 121, EHWPOISON = 133

    /// Name → value, for the scenario language and for printing.
    public static let byName: [String: Int] = [
        "EPERM": EPERM, "ENOENT": ENOENT, "ESRCH": ESRCH, "EINTR": EINTR, "EIO": EIO,
        "ENXIO": ENXIO, "E2BIG": E2BIG, "EBADF": EBADF, "EAGAIN": EAGAIN, "ENOMEM": ENOMEM,
        "EFAULT": EFAULT, "EBUSY": EBUSY,
        "EEXIST": EEXIST, "ENODEV": ENODEV, "EINVAL": EINVAL, "ENOSPC": ENOSPC,
        "ERANGE": ERANGE, "EOPNOTSUPP": EOPNOTSUPP, "EOVERFLOW": EOVERFLOW,
        "EREMOTEIO": EREMOTEIO, "EHWPOISON": EHWPOISON,
    ]

    /// The name of errno `value` (positive), or its number.
    public static func name(_ value: Int) -> String {
        byName.first(where: { $0.value == value })?.key ?? String(value)
    }
}

/// The signal an access raised, recorded as a thread's result.
public enum Signal: String, Hashable, Sendable {
    /// SIGSEGV: no vma, or a permission the vma does not grant.
    case sigsegv = "SIGSEGV"
    /// SIGBUS: the fault handler could not provide a page (beyond EOF, OOM kill stands in).
    case sigbus = "SIGBUS"
    /// SIGKILL: the OOM killer chose the faulting task (VM_FAULT_OOM).
    case sigkill = "SIGKILL"
}
