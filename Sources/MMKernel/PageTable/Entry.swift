/// x86-64 page-table entry bits (arch/x86/include/asm/pgtable_types.h). The same bits
/// serve PTE, PMD and PUD entries; entries are plain `UInt64`s.
public enum PTEBits {
    /// _PAGE_PRESENT (bit 0).
    public static let present: UInt64 = 1 << 0
    /// _PAGE_RW (bit 1).
    public static let rw: UInt64 = 1 << 1
    /// _PAGE_USER (bit 2).
    public static let user: UInt64 = 1 << 2
    /// _PAGE_ACCESSED (bit 5), set by the CPU.
    public static let accessed: UInt64 = 1 << 5
    /// _PAGE_DIRTY (bit 6), set by the CPU.
    public static let dirty: UInt64 = 1 << 6
    /// _PAGE_PSE (bit 7): a huge leaf at PMD or PUD level.
    public static let pse: UInt64 = 1 << 7
    /// _PAGE_GLOBAL (bit 8); with PRESENT clear it is _PAGE_PROTNONE.
    public static let global: UInt64 = 1 << 8
    /// _PAGE_PROTNONE: the same bit as GLOBAL, meaningful when PRESENT is clear.
    public static let protnone: UInt64 = 1 << 8
    /// _PAGE_SPECIAL (bit 9, SOFTW1).
    public static let special: UInt64 = 1 << 9
    /// _PAGE_SOFT_DIRTY (bit 11, SOFTW3).
    public static let softDirty: UInt64 = 1 << 11
    /// _PAGE_NX (bit 63).
    public static let nx: UInt64 = 1 << 63
    /// The physical frame field (bits 12–51).
    public static let pfnMask: UInt64 = 0x000f_ffff_ffff_f000
    /// A non-present swap-type entry's type field (bits 59–63 on x86-64, SWP_TYPE_BITS 5).
    /// The model keeps the offset (a pfn, for migration entries) in the pfn field.
    public static let swpTypeMask: UInt64 = 0x1f << 59
    /// The swap type of a read migration entry (SWP_MIGRATION_READ; the model's number).
    public static let swpMigrationRead: UInt64 = 0x1e << 59
    /// The swap type of a writable migration entry (SWP_MIGRATION_WRITE).
    public static let swpMigrationWrite: UInt64 = 0x1f << 59
    /// _PAGE_TABLE: what a non-leaf entry carries (PRESENT|RW|USER|ACCESSED|DIRTY).
    public static let table: UInt64 = present | rw | user | accessed | dirty
}

/// The era's entry layout: where `_PAGE_DEVMAP` sits (bit 58, 57, or nowhere) and
/// whether PTEs carry the special bit. Built once per kernel from its configuration.
public struct EntryLayout: Hashable, Sendable {
    /// The `_PAGE_DEVMAP` mask, 0 in eras without devmap.
    public let devmap: UInt64
    /// The `_PAGE_SPECIAL` mask written by pte_mkspecial, 0 without ARCH_HAS_PTE_SPECIAL.
    public let special: UInt64
    /// pmd_special exists (v6.12+).
    public let pmdSpecial: Bool

    /// The layout of `config`'s era.
    public init(config: KernelConfig) {
        devmap = config.era.devmapBit.map { 1 << UInt64($0) } ?? 0
        special = config.has(.pteSpecial) ? PTEBits.special : 0
        pmdSpecial = config.era.hasPmdSpecial
    }

    /// Models pfn_pte()/pfn_pmd(): a present user entry for `pfn` with `prot` bits.
    @inline(__always) public func make(pfn: Pfn, prot: UInt64) -> UInt64 {
        pfn.physAddr & PTEBits.pfnMask | prot
    }

    /// Models pte_pfn()/pmd_pfn().
    @inline(__always) public func pfn(_ e: UInt64) -> Pfn { Pfn(physAddr: e & PTEBits.pfnMask) }

    /// Models pte_none(): all bits clear.
    @inline(__always) public func isNone(_ e: UInt64) -> Bool { e == 0 }

    /// Models pte_present(): PRESENT or PROTNONE.
    @inline(__always) public func isPresent(_ e: UInt64) -> Bool {
        e & (PTEBits.present | PTEBits.protnone) != 0
    }

    /// Models pmd_present(): PRESENT, PROTNONE or PSE.
    @inline(__always) public func pmdPresent(_ e: UInt64) -> Bool {
        e & (PTEBits.present | PTEBits.protnone | PTEBits.pse) != 0
    }

    /// Models pte_write().
    @inline(__always) public func isWrite(_ e: UInt64) -> Bool { e & PTEBits.rw != 0 }

    /// Models pte_special(): the SPECIAL bit (absent without ARCH_HAS_PTE_SPECIAL).
    @inline(__always) public func isSpecial(_ e: UInt64) -> Bool {
        special != 0 && e & PTEBits.special != 0
    }

    /// Models pte_devmap()/pmd_devmap(): false in eras without the bit.
    @inline(__always) public func isDevmap(_ e: UInt64) -> Bool { devmap != 0 && e & devmap != 0 }

    /// Models pmd_leaf()/pmd_large(): PSE set.
    @inline(__always) public func isLeaf(_ e: UInt64) -> Bool { e & PTEBits.pse != 0 }

    /// Models pmd_trans_huge(): v4.5–v6.16 `(val & (PSE|DEVMAP)) == PSE`; otherwise PSE.
    @inline(__always) public func isTransHuge(_ e: UInt64) -> Bool {
        e & (PTEBits.pse | devmap) == PTEBits.pse
    }

    /// Models pmd_special() (v6.12+); false before.
    @inline(__always) public func pmdIsSpecial(_ e: UInt64) -> Bool {
        pmdSpecial && e & PTEBits.special != 0
    }

    /// Models pte_mkspecial().
    @inline(__always) public func mkSpecial(_ e: UInt64) -> UInt64 { e | special }

    /// Models pte_mkdevmap(): on x86 SPECIAL|DEVMAP.
    @inline(__always) public func pteMkDevmap(_ e: UInt64) -> UInt64 {
        e | PTEBits.special | devmap
    }

    /// Models pmd_mkdevmap(): DEVMAP only.
    @inline(__always) public func pmdMkDevmap(_ e: UInt64) -> UInt64 { e | devmap }

    /// Models make_readable_migration_entry()/make_writable_migration_entry() then
    /// swp_entry_to_pte(): a non-present entry naming the page under migration.
    @inline(__always) public func makeMigration(pfn: Pfn, write: Bool) -> UInt64 {
        pfn.physAddr & PTEBits.pfnMask
            | (write ? PTEBits.swpMigrationWrite : PTEBits.swpMigrationRead)
    }

    /// Models is_swap_pte() && is_migration_entry(): a non-present migration entry.
    @inline(__always) public func isMigration(_ e: UInt64) -> Bool {
        !isPresent(e) && (e & PTEBits.swpTypeMask == PTEBits.swpMigrationRead
                          || e & PTEBits.swpTypeMask == PTEBits.swpMigrationWrite)
    }

    /// Models is_writable_migration_entry().
    @inline(__always) public func isWritableMigration(_ e: UInt64) -> Bool {
        isMigration(e) && e & PTEBits.swpTypeMask == PTEBits.swpMigrationWrite
    }

    /// Models pte_access_permitted(): PRESENT|USER, and RW for a write.
    @inline(__always) public func accessPermitted(_ e: UInt64, write: Bool) -> Bool {
        let need = PTEBits.present | PTEBits.user | (write ? PTEBits.rw : 0)
        return e & need == need
    }

    /// A short human description of the bits, for traces ("P RW U A D SPECIAL pfn 0x12").
    public func describe(_ e: UInt64) -> String {
        if e == 0 { return "none" }
        if isMigration(e) {
            return "MIGRATION(\(isWritableMigration(e) ? "write" : "read")) pfn " + hex(pfn(e))
        }
        var parts: [String] = []
        if e & PTEBits.present != 0 { parts.append("P") }
        if e & PTEBits.present == 0 && e & PTEBits.protnone != 0 { parts.append("PROTNONE") }
        if e & PTEBits.rw != 0 { parts.append("RW") }
        if e & PTEBits.user != 0 { parts.append("U") }
        if e & PTEBits.accessed != 0 { parts.append("A") }
        if e & PTEBits.dirty != 0 { parts.append("D") }
        if e & PTEBits.pse != 0 { parts.append("PSE") }
        if e & PTEBits.special != 0 { parts.append("SPECIAL") }
        if devmap != 0 && e & devmap != 0 { parts.append("DEVMAP") }
        parts.append("pfn " + hex(pfn(e)))
        return parts.joined(separator: " ")
    }
}

/// Page-table geometry (arch/x86/include/asm/pgtable_64_types.h), 4-level paging.
public enum PageTableLevel: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// 4 KiB entries.
    case pte = 0
    /// 2 MiB entries.
    case pmd = 1
    /// 1 GiB entries.
    case pud = 2
    /// 512 GiB entries.
    case pgd = 3

    /// log2 of the size an entry at this level maps.
    public var shift: Int { 12 + 9 * rawValue }
    /// Bytes an entry at this level maps.
    public var size: UInt64 { 1 << UInt64(shift) }
    /// Index of `addr` in a table of this level.
    @inline(__always) public func index(_ addr: UInt64) -> Int {
        Int((addr >> UInt64(shift)) & 511)
    }

    public var description: String {
        switch self {
        case .pte: return "pte"
        case .pmd: return "pmd"
        case .pud: return "pud"
        case .pgd: return "pgd"
        }
    }
}

/// 4 KiB.
public let PAGE_SIZE: UInt64 = 4096
/// 2 MiB.
public let PMD_SIZE: UInt64 = 1 << 21
/// 1 GiB.
public let PUD_SIZE: UInt64 = 1 << 30

/// TASK_SIZE_MAX on x86-64 with 4-level paging: user addresses lie below it.
public let TASK_SIZE: UInt64 = 0x7fff_ffff_f000

/// True when `[addr, addr+len)` lies in user space without wrapping (access_ok()).
@inline(__always) public func userRangeOK(_ addr: UInt64, _ len: UInt64) -> Bool {
    addr <= TASK_SIZE && len <= TASK_SIZE - addr
}
