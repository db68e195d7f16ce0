import MMExplore

/// Local IRQ state of a simulated CPU (include/linux/irqflags.h). While a CPU has IRQs
/// off it does not service TLB-flush IPIs, which is what lets gup-fast walk page tables
/// without locks (reference §5.2, §9); an IRQs-off section is also an RCU read-side
/// critical section, which holds up RCU table freeing.
extension Kernel {
    /// Models local_irq_save(): a scheduling point, then IRQs are off on `t`'s CPU.
    func localIrqSave(_ t: KTask) async {
        await t.step()
        tlb.ensure(cpu: t.cpu, mm: t.mm ?? MMID(0))
        if t.irqsOffDepth == 0 { tlb.beginIrqSection(t.cpu) }
        t.irqsOffDepth += 1
        tlb.setIrqsOff(t.cpu, Int32(t.irqsOffDepth))
        t.exec.note("local_irq_save (cpu\(t.cpu) irqs off)")
    }

    /// Models local_irq_restore(): IRQs back on when the outermost save is restored; a
    /// pending TLB-flush IPI is then serviced (the initiator waiting for it is woken).
    func localIrqRestore(_ t: KTask) async {
        await t.step()
        guard t.irqsOffDepth > 0 else {
            internalError("local_irq_restore on cpu\(t.cpu) without local_irq_save", t)
            return
        }
        t.irqsOffDepth -= 1
        tlb.setIrqsOff(t.cpu, Int32(t.irqsOffDepth))
        t.exec.note("local_irq_restore (cpu\(t.cpu) irqs "
                    + "\(t.irqsOffDepth == 0 ? "on" : "still off"))")
        if t.irqsOffDepth == 0 { t.exec.wake(Obj.cpuIrq(t.cpu)) }
    }

    /// True when CPU `cpu` would take an interrupt now: IRQs on, or idle (its thread
    /// sleeps in a blocking lock, or has ended and never disabled them).
    func servicesIPI(cpu: Int) -> Bool {
        tlb.irqsOff(cpu) == 0 || tlb.isLazy(cpu)
    }
}
