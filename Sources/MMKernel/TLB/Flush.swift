import MMExplore

/// TLB shootdown (arch/x86/mm/tlb.c): the local TLB is flushed, then every other CPU in
/// the mm's cpumask gets a synchronous IPI and the initiator waits until each one has
/// run the flush handler. A CPU only takes the IPI while its IRQs are on, so a CPU in an
/// IRQs-off section (gup-fast) holds the initiator up until it re-enables them.
extension Kernel {
    /// Models flush_tlb_page() (flush_tlb_mm_range of one page).
    func flushTLBPage(_ t: KTask, mm: MMID, _ addr: UInt64) async {
        await flushTLBRange(t, mm: mm, addr, PAGE_SIZE)
    }

    /// Models flush_tlb_mm_range() (arch/x86/mm/tlb.c) → flush_tlb_multi(): flush the local
    /// TLB, then IPI the other CPUs of the mm's cpumask and wait for each handler
    /// (flush_tlb_func). Lazy CPUs (idle: their thread sleeps in a blocking lock) get the
    /// IPI only when page tables are freed (`freedTables`, "x86/mm/tlb: Only send page
    /// table free TLB flush to lazy TLB CPUs", Rik van Riel, v4.20); otherwise they catch
    /// up through tlb_gen when they switch back to the mm (switch_mm_irqs_off), which the
    /// model applies at once since a lazy CPU runs no user code of the mm before that.
    func flushTLBRange(_ t: KTask, mm: MMID, _ start: UInt64, _ length: UInt64,
                       freedTables: Bool = false) async {
        checks.stats.tlbFlushes += 1
        tlb.ensure(cpu: t.cpu, mm: mm)
        await t.step()
        tlb.incTlbGen(mm)  // inc_mm_tlb_gen
        let local = tlb.flush(cpu: t.cpu, mm: mm, start, length)
        t.exec.note("flush_tlb_mm_range mm\(mm) \(hex(start))+\(hex(length))"
                    + (freedTables ? " freed_tables" : "") + ": cpu\(t.cpu) \(local) entries")
        if !config.has(.tlbFlushIpi) {
            await flushTLBBroadcast(t, mm: mm, start, length)
            return
        }
        var targets = tlb.cpus(of: mm) & ~(1 << UInt64(t.cpu))
        if targets != 0 && t.irqsOffDepth > 0 {
            // smp_call_function_many_cond() warns: waiting for IPIs with IRQs off can deadlock.
            report(.bugOn, "WARN smp_call_function_many_cond: flush IPI sent with IRQs off", t)
        }
        while targets != 0 {
            let cpu = targets.trailingZeroBitCount
            targets &= targets - 1
            await flushTLBOther(t, cpu: cpu, mm: mm, start, length, freedTables: freedTables)
        }
    }

    /// Sends the flush IPI to `cpu` and waits for its handler (flush_tlb_func), unless
    /// should_flush_tlb()/tlb_is_not_lazy() let the CPU catch up at its next switch_mm: it
    /// is lazy (eras with `flushSkipsLazyCPUs`), or — in eras whose switch_mm leaves the
    /// cpumask bit — it has another mm loaded.
    private func flushTLBOther(_ t: KTask, cpu: Int, mm: MMID, _ start: UInt64, _ length: UInt64,
                               freedTables: Bool) async {
        if !freedTables && !config.era.switchMMClearsPrevCpumask && tlb.loaded(cpu: cpu) != mm {
            let name = tlb.loaded(cpu: cpu)?.description ?? "-1"
            t.exec.note("cpu\(cpu) has mm\(name) loaded: should_flush_tlb skips it")
            return
        }
        if tlb.isLazy(cpu) && !freedTables && config.era.flushSkipsLazyCPUs {
            let n = tlb.flush(cpu: cpu, mm: mm, start, length)
            t.exec.note("cpu\(cpu) lazy: no IPI, tlb_gen catch-up drops \(n) entries")
            return
        }
        while true {
            await t.step()
            if servicesIPI(cpu: cpu) { break }
            t.exec.note("IPI to cpu\(cpu) pending: its IRQs are off; waiting")
            await t.exec.block(on: Obj.cpuIrq(cpu))
        }
        let n = tlb.flush(cpu: cpu, mm: mm, start, length)
        t.exec.note("IPI cpu\(cpu)\(tlb.isLazy(cpu) ? " (lazy)" : ""): flush_tlb_func drops "
                    + "\(n) entries")
    }

    /// Models a remote flush without IPIs (`-tlb_flush_ipi`): arm64's flush_tlb_range
    /// (TLBI ...IS broadcast to the inner-shareable domain, then DSB ISH) or a paravirt
    /// flush (hyperv_flush_tlb_multi, kvm_flush_tlb_multi). Every other CPU's entries of
    /// the range are gone when it returns, whether its IRQs are on or off: nothing waits
    /// for an IRQs-off section, so gup-fast is not held off by the flush.
    private func flushTLBBroadcast(_ t: KTask, mm: MMID, _ start: UInt64, _ length: UInt64) async {
        await t.step()
        var n = 0
        for cpu in 0..<tlb.cpuCount where cpu != t.cpu {
            n += tlb.flush(cpu: cpu, mm: mm, start, length)
        }
        t.exec.note("broadcast TLB invalidate (no IPI): other cpus drop \(n) entries")
    }

    /// Models tlb_remove_table_sync_one() (mm/mmu_gather.c): smp_call_function() of an
    /// empty handler with wait=1, so every CPU that was in an IRQs-off section (a
    /// lockless page-table walk: gup-fast) has left it when this returns. It IPIs every
    /// online CPU, not the mm's cpumask. (A no-op without CONFIG_MMU_GATHER_RCU_TABLE_FREE,
    /// where the TLB flush itself was such an IPI; the kernels that flush without IPIs
    /// all select it, and Debian's x86 configs do too.)
    func tlbRemoveTableSyncOne(_ t: KTask) async {
        tlb.ensure(cpu: t.cpu, mm: t.mm ?? MMID(0))
        await t.step()
        t.exec.note("tlb_remove_table_sync_one: IPI every cpu and wait")
        for cpu in 0..<tlb.cpuCount where cpu != t.cpu {
            while true {
                await t.step()
                if servicesIPI(cpu: cpu) { break }
                t.exec.note("sync IPI to cpu\(cpu) pending: its IRQs are off; waiting")
                await t.exec.block(on: Obj.cpuIrq(cpu))
            }
        }
    }
}
