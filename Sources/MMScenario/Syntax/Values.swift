import MMKernel

/// A variable as written: bare `buf`, or qualified `T0:buf` (only in `finally` and the final
/// condition, where several threads' variables are in reach).
public struct VariableRef: Hashable, Sendable, CustomStringConvertible {
    /// `T0` in `T0:buf`; nil for a bare name (a variable of the current block or of `init`).
    public let thread: String?
    /// The variable's name.
    public let name: String

    /// Creates a reference.
    public init(thread: String?, name: String) {
        self.thread = thread
        self.name = name
    }

    /// As written.
    public var description: String { thread.map { "\($0):\(name)" } ?? name }
}

/// An address or value resolved at run time: `0x1000`, `buf`, `buf+4K`, `buf-0x1000`,
/// `buf+2M+4K`, `T0:buf+4K` (value = base's value + offset; offset alone when no base).
public struct AddrExpr: Hashable, Sendable, CustomStringConvertible {
    /// The variable the literal terms are added to, if any.
    public let base: VariableRef?
    /// The sum of the literal terms (negative for `-`).
    public let offset: Int64
    /// Where the expression starts.
    public let location: SourceLocation

    /// Creates an expression.
    public init(base: VariableRef?, offset: Int64, location: SourceLocation) {
        self.base = base
        self.offset = offset
        self.location = location
    }

    /// A literal.
    public var literal: Int64? { base == nil ? offset : nil }

    /// Canonical text (`buf+0x1000`).
    public var description: String {
        guard let base else {
            return offset < 0 ? "-0x\(String(-offset, radix: 16))"
                : "0x\(String(offset, radix: 16))"
        }
        if offset == 0 { return base.description }
        return base.description
            + (offset < 0 ? "-0x\(String(-offset, radix: 16))" : "+0x\(String(offset, radix: 16))")
    }
}

/// Page protection of `mmap`/`mprotect` (`prot=r`, `rw`, `r,w`, `w`, `none`).
public struct Protection: Hashable, Sendable, CustomStringConvertible {
    /// PROT_READ.
    public var read: Bool
    /// PROT_WRITE.
    public var write: Bool

    /// Creates a protection.
    public init(read: Bool, write: Bool) {
        self.read = read
        self.write = write
    }

    /// `prot=rw`, the default of `mmap`.
    public static let readWrite = Protection(read: true, write: true)
    /// `prot=r`.
    public static let readOnly = Protection(read: true, write: false)
    /// `prot=none`.
    public static let none = Protection(read: false, write: false)

    /// `r`, `rw`, `w` or `none`.
    public var description: String {
        read || write ? (read ? "r" : "") + (write ? "w" : "") : "none"
    }
}

/// An errno written in a condition (`-EFAULT` or `EFAULT`): ops return `-code` on failure,
/// so the operand means the negative value. Names come from MMKernel's `Errno.byName`, the
/// values the model can return.
public struct ErrnoName: Hashable, Sendable, CustomStringConvertible {
    /// `EFAULT`.
    public let name: String
    /// 14 (positive, as in errno.h).
    public let code: Int

    /// Looks up a name (without `-`); nil when unknown.
    public init?(name: String) {
        guard let code = Errno.byName[name] else { return nil }
        self.name = name
        self.code = code
    }

    /// `-EFAULT`.
    public var description: String { "-\(name)" }
}

/// How an address is mapped, as `observe` records it.
public enum MappingLevel: String, Hashable, Sendable, CaseIterable {
    /// Not mapped.
    case none
    /// By a 4K PTE.
    case pte
    /// By a 2M PMD.
    case pmd
    /// By a 1G PUD.
    case pud
}

/// A field of an `observe` result: the mapping level, the smaps counters of the vma that
/// holds the address, and its page-table entry (docs/scenario-extensions.md).
public enum ObservationField: String, Hashable, Sendable, CaseIterable {
    /// The mapping level (`none`, `pte`, `pmd`, `pud`); the same as the bare variable.
    case level
    /// smaps Rss, in bytes.
    case rss = "Rss"
    /// smaps AnonHugePages, in bytes.
    case anonHugePages = "AnonHugePages"
    /// smaps FilePmdMapped, in bytes.
    case filePmdMapped = "FilePmdMapped"
    /// smaps Anonymous, in bytes.
    case anonymous = "Anonymous"
    /// smaps VmFlags letters, space-separated ("rd wr mr mw me ac sd").
    case vmFlags = "VmFlags"
    /// 1 when the entry is present (pagemap bit 63), else 0.
    case present
    /// 1 when the page is file-backed or shared anon (pagemap bit 61), else 0.
    case file
    /// The page frame number pagemap reports (0 when not present, and for VM_PFNMAP
    /// vmas, which pagemap does not walk).
    case pfn
    /// The pfn in the page-table entry itself (0 when none), whatever pagemap says.
    case entryPfn = "entry_pfn"
    /// 1 when the leaf entry carries _PAGE_SPECIAL, else 0.
    case special
    /// 1 when the leaf entry carries _PAGE_DEVMAP (never in eras without the bit).
    case devmap
    /// 1 when the leaf entry is writable (_PAGE_RW), else 0.
    case writable
    /// 1 when vm_normal_page() (or vm_normal_page_pmd()) finds a refcounted page.
    case normal
    /// page_ref_count() of the folio behind the entry (0 without a struct page).
    case refcount
    /// page_mapcount() of the page behind the entry.
    case mapcount
    /// The large folio's pincount (small pages count pins in refcount, 1024 each).
    case pincount
    /// smaps Shared_Hugetlb, in bytes.
    case sharedHugetlb = "Shared_Hugetlb"
    /// smaps Private_Hugetlb, in bytes.
    case privateHugetlb = "Private_Hugetlb"
    /// The pfn of the page-table page holding the PMD entry of the address (0 when none):
    /// equal in two processes that share a hugetlb PMD table.
    case pmdTable = "pmd_table"
}

/// An operand of a comparison.
public struct Operand: Hashable, Sendable {
    /// What it is.
    public let value: OperandValue
    /// Where it is.
    public let location: SourceLocation
}

/// The kinds of operand a condition can compare.
public enum OperandValue: Hashable, Sendable {
    /// `T0:r` or bare `r` (a variable of `init`/`finally`, or of the thread for `assert`).
    case variable(VariableRef)
    /// `T0:m.Rss`: a field of an `observe` result.
    case field(VariableRef, ObservationField)
    /// `512`, `0x1000`, `2M`, `-1`.
    case integer(Int64)
    /// `-EFAULT` or `EFAULT`: the negative errno.
    case errno(ErrnoName)
    /// `SIGBUS`, `SIGSEGV`, `SIGKILL` (MMKernel's `Signal`, what a thread records).
    case signal(Signal)
    /// `none`, `pte`, `pmd`, `pud`.
    case level(MappingLevel)
    /// `"rd wr"`, or the bare word after `has`.
    case string(String)
}

/// A comparison operator.
public enum ComparisonOperator: String, Hashable, Sendable, CaseIterable {
    /// `==` (also `=`, as in herd).
    case equal = "=="
    /// `!=`.
    case notEqual = "!="
    /// `<`.
    case less = "<"
    /// `<=`.
    case lessOrEqual = "<="
    /// `>`.
    case greater = ">"
    /// `>=`.
    case greaterOrEqual = ">="
    /// `has`: the VmFlags string contains the flag on the right.
    case has
}

/// `lhs OP rhs`.
public struct Comparison: Hashable, Sendable {
    /// Left operand.
    public let lhs: Operand
    /// Operator.
    public let op: ComparisonOperator
    /// Right operand.
    public let rhs: Operand
    /// Where the left operand starts.
    public let location: SourceLocation
}

/// A condition: comparisons joined with `/\` (and), `\/` (or), `~` (not) and parentheses;
/// `~` binds tightest, then `/\`, then `\/`.
public indirect enum Condition: Hashable, Sendable {
    /// `a /\ b`.
    case and(Condition, Condition)
    /// `a \/ b`.
    case or(Condition, Condition)
    /// `~a`, located at the `~`.
    case not(Condition, SourceLocation)
    /// A comparison.
    case comparison(Comparison)

    /// Where the condition starts.
    public var location: SourceLocation {
        switch self {
        case .and(let a, _), .or(let a, _): return a.location
        case .not(_, let location): return location
        case .comparison(let comparison): return comparison.location
        }
    }
}
