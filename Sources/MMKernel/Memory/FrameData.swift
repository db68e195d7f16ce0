/// What user space stored in frames. Only words written by `store` are kept (by physical
/// address, with the frame's allocation epoch): a frame that is reallocated reads as zero
/// again, and a stale mapping of a reused frame reads the new owner's data.
///
/// Instrumented: a frame's contents are object `Obj.frame(pfn)`.
struct FrameContents {
    /// Stored words by physical address, with the epoch of the frame when stored. Reached
    /// only through the Kernel accessors below, which record `Obj.frame(pfn)`.
    private var words: [UInt64: (epoch: UInt32, value: UInt64)] = [:]

    /// The word stored at `phys` and the epoch it was stored in, if any.
    fileprivate func word(_ phys: UInt64) -> (epoch: UInt32, value: UInt64)? { words[phys] }

    /// Stores a word at `phys` in `epoch`.
    fileprivate mutating func set(_ phys: UInt64, epoch: UInt32, _ value: UInt64) {
        words[phys] = (epoch, value)
    }

    /// The addresses of the words stored in the 4K frame at `base`.
    fileprivate func addresses(inFrameAt base: UInt64) -> [UInt64] {
        words.isEmpty ? [] : words.keys.filter { $0 >= base && $0 < base + PAGE_SIZE }
    }
}

extension Kernel {
    /// The word at physical address `phys`.
    func readPhys(_ phys: UInt64) -> UInt64 {
        let pfn = Pfn(physAddr: phys)
        log.read(Obj.frame(pfn))
        guard let w = memory.frames.word(phys & ~7) else { return 0 }
        if memory.memmap.pfnValid(pfn) && shape(pfn).epoch != w.epoch { return 0 }
        return w.value
    }

    /// Stores a word at physical address `phys`.
    func writePhys(_ phys: UInt64, _ value: UInt64) {
        let pfn = Pfn(physAddr: phys)
        log.write(Obj.frame(pfn))
        let epoch = memory.memmap.pfnValid(pfn) ? shape(pfn).epoch : 0
        memory.frames.set(phys & ~7, epoch: epoch, value)
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
        for addr in memory.frames.addresses(inFrameAt: src.physAddr) {
            writePhys(dst.physAddr | (addr & 0xfff), readPhys(addr))
        }
    }
}

extension Kernel {
    /// The user-visible words of frame `pfn` (offset in page → value).
    func frameWords(_ pfn: Pfn) -> [(UInt64, UInt64)] {
        log.read(Obj.frame(pfn))  // which words the frame holds is its contents too
        let base = pfn.physAddr
        return memory.frames.addresses(inFrameAt: base).map { ($0 - base, readPhys($0)) }
    }
}
