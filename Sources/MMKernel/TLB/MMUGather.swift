/// The mmu_gather (mm/mmu_gather.c, include/asm-generic/tlb.h): entries are cleared
/// first, then the TLB is flushed, and only then are the gathered pages and page-table
/// pages freed. The invariant — clear, flush, free — is what lets gup-fast and the
/// hardware walker run without locks.
struct MMUGather {
    /// The process.
    let mm: Int
    /// Lowest and highest address whose entries were cleared.
    var start = UInt64.max
    var end: UInt64 = 0
    /// Pages whose mapping reference is dropped after the flush (__tlb_remove_page).
    var pages: [Int] = []
    /// Table pages freed after the flush (tlb_remove_table).
    var tables: [Int] = []

    /// Models tlb_gather_mmu().
    init(mm: Int) { self.mm = mm }

    /// Records that `[addr, addr+size)` had entries cleared (tlb_flush_pte_range()).
    mutating func cleared(_ addr: UInt64, _ size: UInt64) {
        start = min(start, addr)
        end = max(end, addr + size)
    }
}

extension Kernel {
    /// Models tlb_flush_mmu() (mm/mmu_gather.c): flush the TLB for what was cleared, then
    /// free the gathered tables and drop the gathered page references.
    func tlbFlushMMU(_ t: KTask, _ tlb: inout MMUGather) async {
        if tlb.end > tlb.start || !tlb.tables.isEmpty {
            let start = tlb.end > tlb.start ? tlb.start : 0
            let len = tlb.end > tlb.start ? tlb.end - tlb.start : 0
            await flushTLBRange(t, mm: tlb.mm, start, len, freedTables: !tlb.tables.isEmpty)
        }
        for slot in tlb.tables { await freeTable(t, slot: slot) }
        for pfn in tlb.pages { await putPage(t, pfn) }
        tlb = MMUGather(mm: tlb.mm)
    }
}
