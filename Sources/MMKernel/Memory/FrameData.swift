/// What user space stored in frames. Only words written by `store` are kept (by physical
/// address, with the frame's allocation epoch): a frame that is reallocated reads as zero
/// again, and a stale mapping of a reused frame reads the new owner's data.
extension Kernel {
    /// The word at physical address `phys`.
    func readPhys(_ phys: UInt64) -> UInt64 {
        let pfn = Int(phys >> 12)
        guard let w = data[phys & ~7] else { return 0 }
        if memmap.pfnValid(pfn) && page(pfn).epoch != w.epoch { return 0 }
        return w.value
    }

    /// Stores a word at physical address `phys`.
    func writePhys(_ phys: UInt64, _ value: UInt64) {
        let pfn = Int(phys >> 12)
        let epoch = memmap.pfnValid(pfn) ? page(pfn).epoch : 0
        data[phys & ~7] = (epoch, value)
    }

    /// Models copy_user_highpage(): the stored words of frame `src` are copied to `dst`.
    func copyFrameData(from src: Int, to dst: Int) {
        if data.isEmpty { return }
        let base = UInt64(src) << 12
        for (addr, _) in data where addr >= base && addr < base + PAGE_SIZE {
            writePhys(UInt64(dst) << 12 | (addr & 0xfff), readPhys(addr))
        }
    }
}
