/// vm_flags bits (include/linux/mm.h; positions identical from v5.10 to v7.2, §3.1).
public struct VMFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let read = VMFlags(rawValue: 1 << 0)
    public static let write = VMFlags(rawValue: 1 << 1)
    public static let exec = VMFlags(rawValue: 1 << 2)
    public static let shared = VMFlags(rawValue: 1 << 3)
    public static let mayRead = VMFlags(rawValue: 1 << 4)
    public static let mayWrite = VMFlags(rawValue: 1 << 5)
    public static let mayExec = VMFlags(rawValue: 1 << 6)
    public static let mayShare = VMFlags(rawValue: 1 << 7)
    public static let growsDown = VMFlags(rawValue: 1 << 8)
    public static let pfnMap = VMFlags(rawValue: 1 << 10)
    public static let locked = VMFlags(rawValue: 1 << 13)
    public static let io = VMFlags(rawValue: 1 << 14)
    public static let dontCopy = VMFlags(rawValue: 1 << 17)
    public static let dontExpand = VMFlags(rawValue: 1 << 18)
    public static let account = VMFlags(rawValue: 1 << 20)
    public static let noReserve = VMFlags(rawValue: 1 << 21)
    public static let hugetlb = VMFlags(rawValue: 1 << 22)
    public static let sync = VMFlags(rawValue: 1 << 23)
    /// VM_ARCH_1: VM_PAT on x86 (set by track_pfn_remap).
    public static let pat = VMFlags(rawValue: 1 << 24)
    public static let dontDump = VMFlags(rawValue: 1 << 26)
    public static let softDirty = VMFlags(rawValue: 1 << 27)
    public static let mixedMap = VMFlags(rawValue: 1 << 28)
    public static let hugePage = VMFlags(rawValue: 1 << 29)
    public static let noHugePage = VMFlags(rawValue: 1 << 30)

    /// VM_SPECIAL: never merged, not populated by mlock, skipped by khugepaged.
    public static let special: VMFlags = [.io, .dontExpand, .pfnMap, .mixedMap]

    /// The smaps `VmFlags:` line, letters in bit order exactly as
    /// show_smap_vma_flags() (fs/proc/task_mmu.c) prints them, without the trailing space.
    public var mnemonics: String {
        var out: [String] = []
        for bit in 0..<64 {
            guard rawValue & (1 << UInt64(bit)) != 0, let m = VMFlags.letters[bit] else { continue }
            out.append(m)
        }
        return out.joined(separator: " ")
    }

    /// Bit → mnemonic, as in show_smap_vma_flags() of v6.1 (CONFIG_MEM_SOFT_DIRTY on).
    static let letters: [Int: String] = [
        0: "rd", 1: "wr", 2: "ex", 3: "sh", 4: "mr", 5: "mw", 6: "me", 7: "ms", 8: "gd",
        9: "um", 10: "pf", 12: "uw", 13: "lo", 14: "io", 15: "sr", 16: "rr", 17: "dc",
        18: "de", 20: "ac", 21: "nr", 22: "ht", 23: "sf", 24: "ar", 25: "wf", 26: "dd",
        27: "sd", 28: "mm", 29: "hg", 30: "nh", 31: "mg",
    ]

    /// Models is_cow_mapping(): private and may be written.
    public var isCOW: Bool { intersection([.shared, .mayWrite]) == .mayWrite }
}
