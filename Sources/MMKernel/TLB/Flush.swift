/// TLB flushing (arch/x86/mm/tlb.c). Until per-CPU TLBs are modelled, a user access
/// always walks the page tables, so a flush has nothing to invalidate: these functions
/// mark where the kernel flushes (traces, statistics) and are the hook the per-CPU TLB
/// model fills in.
extension Kernel {
    /// Models flush_tlb_page() (flush_tlb_mm_range of one page).
    func flushTLBPage(_ t: KTask, mm: Int, _ addr: UInt64) async {
        await flushTLBRange(t, mm: mm, addr, PAGE_SIZE)
    }

    /// Models flush_tlb_mm_range() (arch/x86/mm/tlb.c).
    func flushTLBRange(_ t: KTask, mm: Int, _ start: UInt64, _ length: UInt64,
                       freedTables: Bool = false) async {
        stats.tlbFlushes += 1
        t.exec.note("flush_tlb_mm_range \(hex(start))+\(hex(length))"
                    + (freedTables ? " freed_tables" : ""))
    }
}
