/// A modelled `struct mm_struct`: one process's address space. A handful exist per
/// execution, so a class is fine; its vmas are values in a sorted array.
public final class MM {
    /// Index in `Kernel.mms`.
    public let id: Int
    /// The process's name in the scenario.
    public let name: String
    /// Table slot of the PGD.
    public var pgd: Int
    /// vmas sorted by start address.
    public var vmas: [VMA] = []
    /// mmap_lock.
    public var mmapLock = LockState()
    /// MM_ANONPAGES, MM_FILEPAGES counters (pages).
    public var anonPages = 0
    /// MM_FILEPAGES.
    public var filePages = 0
    /// Deposited PTE tables for huge PMDs (pgtable_trans_huge_deposit), by PMD address.
    public var deposited: [UInt64: Int] = [:]
    /// mm->write_protect_seq: odd while fork copies page tables (v5.11+).
    public var writeProtectSeq: UInt32 = 0
    /// The process has exited: its mm was torn down.
    public var exited = false
    /// Top of the mmap area (mmap_base); allocation goes down from here.
    public let mmapBase: UInt64 = 0x7f00_0000_0000

    init(id: Int, name: String, pgd: Int) {
        self.id = id
        self.name = name
        self.pgd = pgd
    }

    /// Models find_vma(): the first vma with end > addr.
    public func findVMA(_ addr: UInt64) -> Int? {
        var lo = 0, hi = vmas.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if vmas[mid].end <= addr { lo = mid + 1 } else { hi = mid }
        }
        return lo < vmas.count ? lo : nil
    }

    /// The vma containing `addr`, if any (vma_lookup()).
    public func vmaContaining(_ addr: UInt64) -> Int? {
        guard let i = findVMA(addr), vmas[i].start <= addr else { return nil }
        return i
    }

    /// Inserts a vma keeping the order.
    func insert(_ vma: VMA) {
        let i = vmas.firstIndex(where: { $0.start > vma.start }) ?? vmas.count
        vmas.insert(vma, at: i)
    }
}

extension Kernel {
    /// Models mm_alloc() + pgd_alloc() (kernel/fork.c): a new empty address space.
    public func createProcess(_ t: KTask, name: String) async -> Int? {
        guard let pgd = await allocTable(t) else { return nil }
        let mm = MM(id: mms.count, name: name, pgd: pgd)
        mms.append(mm)
        return mm.id
    }

    /// The id of the process named `name`.
    public func process(named name: String) -> Int? {
        mms.first(where: { $0.name == name })?.id
    }
}
