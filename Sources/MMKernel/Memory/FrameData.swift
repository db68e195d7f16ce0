/// What user space stored in frames. Only words written by `store` are kept (by physical
/// address, with the frame's allocation epoch): a frame that is reallocated reads as zero
/// again, and a stale mapping of a reused frame reads the new owner's data.
///
/// Instrumented: a frame's contents are object `Obj.frame(pfn)`.
extension Kernel {
    /// The word at physical address `phys`.
    func readPhys(_ phys: UInt64) -> UInt64 {
        let pfn = Pfn(physAddr: phys)
        log.read(Obj.frame(pfn))
        guard let w = data[phys & ~7] else { return 0 }
        if memmap.pfnValid(pfn) && page(pfn).epoch != w.epoch { return 0 }
        return w.value
    }

    /// Stores a word at physical address `phys`.
    func writePhys(_ phys: UInt64, _ value: UInt64) {
        let pfn = Pfn(physAddr: phys)
        log.write(Obj.frame(pfn))
        let epoch = memmap.pfnValid(pfn) ? page(pfn).epoch : 0
        data[phys & ~7] = (epoch, value)
    }

    /// clear_page() of a newly allocated frame: what was stored reads as zero (the frame's
    /// epoch changes with its struct page; this records the write of its contents).
    func clearFrameData(_ pfn: Pfn) {
        log.write(Obj.frame(pfn))
    }

    /// Models copy_user_highpage(): the stored words of frame `src` are copied to `dst`.
    func copyFrameData(from src: Pfn, to dst: Pfn) {
        log.read(Obj.frame(src))
        log.write(Obj.frame(dst))
        if data.isEmpty { return }
        let base = src.physAddr
        for (addr, _) in data where addr >= base && addr < base + PAGE_SIZE {
            writePhys(dst.physAddr | (addr & 0xfff), readPhys(addr))
        }
    }
}
