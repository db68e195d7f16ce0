/// The mmu_gather (mm/mmu_gather.c, include/asm-generic/tlb.h): entries are cleared
/// first, then the TLB is flushed, and only then are the gathered pages and page-table
/// pages freed. The invariant — clear, flush, free — is what lets gup-fast and the
/// hardware walker run without locks.
struct MMUGather {
    /// The process.
    let mm: MMID
    /// Lowest and highest address whose entries were cleared.
    var start = UInt64.max
    var end: UInt64 = 0
    /// Pages whose mapping reference is dropped after the flush (__tlb_remove_page).
    var pages: [Pfn] = []
    /// Table pages freed after the flush (tlb_remove_table).
    var tables: [TableSlot] = []

    /// Models tlb_gather_mmu().
    init(mm: MMID) { self.mm = mm }

    /// Records that `[addr, addr+size)` had entries cleared (tlb_flush_pte_range()).
    mutating func cleared(_ addr: UInt64, _ size: UInt64) {
        start = min(start, addr)
        end = max(end, addr + size)
    }
}

extension Kernel {
    /// Models tlb_flush_mmu() (mm/mmu_gather.c): tlb_flush_mmu_tlbonly() flushes the TLB
    /// for what was cleared, then tlb_flush_mmu_free() frees the gathered tables (after an
    /// RCU grace period with `rcu_table_free`) and drops the gathered page references.
    /// With `-tlb_flush_before_free` the frees come first and the flush last: the broken
    /// order of the bugs that knob's source names.
    func tlbFlushMMU(_ t: KTask, _ tlb: inout MMUGather) async {
        let flushFirst = config.has(.tlbFlushBeforeFree)
        if flushFirst { await tlbFlushMMUTLBOnly(t, tlb) }
        if config.has(.rcuTableFree) && flushFirst {
            await tlbRemoveTableRCU(t, tlb.tables)
        } else {
            for slot in tlb.tables { await freeTable(t, slot: slot) }
        }
        for pfn in tlb.pages { await putPage(t, pfn) }
        if !flushFirst { await tlbFlushMMUTLBOnly(t, tlb) }
        tlb = MMUGather(mm: tlb.mm)
    }

    /// Models tlb_flush_mmu_tlbonly(): flush_tlb_mm_range() over the cleared range,
    /// with freed_tables when tables were gathered.
    fileprivate func tlbFlushMMUTLBOnly(_ t: KTask, _ tlb: MMUGather) async {
        guard tlb.end > tlb.start || !tlb.tables.isEmpty else { return }
        let start = tlb.end > tlb.start ? tlb.start : 0
        let len = tlb.end > tlb.start ? tlb.end - tlb.start : 0
        await flushTLBRange(t, mm: tlb.mm, start, len, freedTables: !tlb.tables.isEmpty)
    }

    /// Models tlb_remove_table_free() → call_rcu(tlb_remove_table_rcu) (mm/mmu_gather.c,
    /// MMU_GATHER_RCU_TABLE_FREE): the tables are freed once every CPU has passed a
    /// quiescent state. An IRQs-off section is a read-side critical section, so the free
    /// waits for every CPU that has IRQs off now to re-enable them. With no CPU in such a
    /// section the free happens at once (the earliest moment a grace period could end);
    /// otherwise an "rcu" agent waits for those sections and then frees.
    private func tlbRemoveTableRCU(_ t: KTask, _ slots: [TableSlot]) async {
        guard !slots.isEmpty else { return }
        var readers: [(cpu: Int, section: UInt32)] = []
        for cpu in 0..<tlb.cpuCount where tlb.irqsOff(cpu) > 0 {
            readers.append((cpu, tlb.irqSection(cpu)))
        }
        if readers.isEmpty {
            for slot in slots { await freeTable(t, slot: slot) }
            return
        }
        t.exec.note("call_rcu(tlb_remove_table_rcu): \(slots.count) tables wait for cpu"
                    + readers.map { String($0.cpu) }.joined(separator: ",cpu"))
        t.exec.spawn("rcu") { exec in
            let agent = KTask(exec: exec, name: "rcu", cpu: t.cpu, mm: nil)
            for r in readers {
                while true {
                    await agent.step()
                    if self.tlb.irqsOff(r.cpu) == 0 || self.tlb.irqSection(r.cpu) != r.section {
                        break
                    }
                    await exec.block(on: Obj.cpuIrq(r.cpu))
                }
            }
            agent.exec.note("RCU grace period over: tlb_remove_table_rcu frees "
                            + "\(slots.count) tables")
            for slot in slots { await self.freeTable(agent, slot: slot) }
        }
    }
}

extension Kernel {
    /// Models tlb_end_vma() (include/asm-generic/tlb.h) after a vma's entries were zapped:
    /// with `tlb_flush_pfnmap_vma` a VM_PFNMAP/VM_MIXEDMAP vma's range is flushed now
    /// (tlb_flush_mmu_tlbonly), before free_pgtables unlinks the vma from i_mmap, so a
    /// driver's unmap_mapping_range() that no longer finds the vma cannot free the pfns
    /// while a TLB still maps them ("mmu_gather: Force tlb-flush VM_PFNMAP vmas").
    func tlbEndVMA(_ t: KTask, _ tlb: inout MMUGather, vma: VMA) async {
        guard config.has(.tlbFlushPfnmapVma),
              !vma.flags.intersection([.pfnMap, .mixedMap]).isEmpty,
              tlb.end > tlb.start else { return }
        await tlbFlushMMUTLBOnly(t, tlb)
        tlb.start = .max  // __tlb_reset_range()
        tlb.end = 0
    }
}
