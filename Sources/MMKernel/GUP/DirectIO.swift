import MMExplore

/// O_DIRECT reads and writes (fs/iomap/direct-io.c, block/bio.c): the user buffer is
/// pinned (iov_iter_extract_pages, v6.3+) or referenced (iov_iter_get_pages2) through
/// gup-fast, a bio is submitted, and the device's DMA engine — an agent of its own —
/// moves the data later, then releases the pages and completes the request.
extension Kernel {
    /// Models a synchronous O_DIRECT read (`read: true`, device → memory, the pages are
    /// taken with FOLL_WRITE) or write (memory → device) of `len` bytes at `offset` of
    /// `store`, with the user buffer at `buffer`. Returns bytes transferred or -errno.
    public func directIO(_ t: KTask, read: Bool, store: DataStore, buffer: UInt64, len: UInt64,
                         offset: UInt64) async -> Int {
        // The block layer's alignment rule: 512-byte logical blocks.
        guard buffer & 511 == 0, len & 511 == 0, offset & 511 == 0, len > 0,
              userRangeOK(buffer, len), offset <= UInt64(Int64.max) - len else {
            return -Errno.EINVAL
        }
        if case .file(let inode) = store, files.mount(files.inodes[inode].mount).dax {
            return await daxCopyIO(t, read: read, inode: inode, buffer: buffer, len: len,
                                   offset: offset)
        }
        let first = buffer & ~(PAGE_SIZE - 1)
        let nrPages = Int((buffer + len - first + PAGE_SIZE - 1) >> 12)
        var flags: FollFlags = config.era.directIOPins ? [.pin] : [.get]
        if read { flags.insert(.write) }
        if config.era.hasP2PDMAUser { flags.insert(.pciP2PDMA) }  // ITER_ALLOW_P2PDMA: NVMe
        // A task without an mm (a kernel thread) has no user buffer to pin.
        guard let mm = t.mm else { return -Errno.EFAULT }
        var held = HeldPages()
        let got = await getUserPagesFast(t, mm: mm, first, nrPages, flags, held: &held)
        guard got > 0 else { return got < 0 ? got : -Errno.EFAULT }
        let bytes = min(len, UInt64(got) << 12 - (buffer - first))
        if case .file(let inode) = store, read { writebackFileRange(inode: inode, offset, bytes) }
        let epochs = held.pfns.map { memory.memmap.pfnValid($0) ? shape($0).epoch : 0 }
        // submit_bio(): the DMA engine runs as its own agent; the caller sleeps until
        // the bio completes (the end_io releases the pages).
        let (agentName, done) = dioIdentity(t)
        var finished = false
        let pinned = flags.contains(.pin)
        t.exec.note("submit_bio \(agentName): \(read ? "read" : "write") \(bytes) bytes, "
                    + "\(held.pfns.count) pages \(pinned ? "pinned" : "referenced")")
        // The DMA engine's "CPU" (for its lazy-TLB state should it sleep on a lock) is the
        // submitter's: one per submitting thread, whose requests do not overlap (it waits
        // for each), and not the agent's slot, which depends on the interleaving.
        let dmaCpu = 100 + t.exec.index
        t.exec.spawn(agentName) { exec in
            let agent = KTask(exec: exec, name: agentName, cpu: dmaCpu, mm: nil)
            await self.dmaTransfer(agent, read: read, store: store, pfns: held.pfns, epochs: epochs,
                                   buffer: buffer, bytes: bytes, offset: offset)
            // bio_release_pages(bio, mark_dirty): a read dirties each small page
            // (set_page_dirty_lock) before it unpins or puts it.
            if read { self.dioMarkPagesDirty(agent, held.pfns) }
            await self.releaseHeld(agent, held, pinned: pinned)
            // complete(): the completion is a plain object whose access is the step.
            await agent.exec.step(done, .write)
            finished = true
            agent.exec.wake(done)
        }
        while !finished {
            await t.exec.block(on: done)
            await t.exec.step(done, .read)
        }
        if case .file(let inode) = store, !read { refreshCachedPages(inode: inode, offset, bytes) }
        return Int(bytes)
    }

    /// The DMA agent's name and the request's completion object, from the submitting
    /// thread: "dma0" for T0's first request, "dma0.2" for its second. Numbering requests
    /// from one counter of all threads would make the numbers depend on the interleaving,
    /// and a reordering DPOR counts as equivalent would rename the completions.
    private func dioIdentity(_ t: KTask) -> (name: String, done: ObjectID) {
        let serial = t.exec.nextSerial()
        var who = t.exec.name
        if who.first == "T", who.count > 1, who.dropFirst().allSatisfy(\.isNumber) {
            who.removeFirst()
        }
        let name = "dma" + who + (serial == 0 ? "" : ".\(serial + 1)")
        // FNV-1a: a stable hash (Swift's Hasher is seeded per process).
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return (name, Obj.dio(Int(truncatingIfNeeded: h)))
    }

    /// The DMA engine: one step per page; a frame freed or reused since it was pinned is
    /// `dma-after-free` (the device still writes or reads it, as hardware would).
    private func dmaTransfer(_ t: KTask, read: Bool, store: DataStore, pfns: [Pfn],
                             epochs: [UInt32],
                             buffer: UInt64, bytes: UInt64, offset: UInt64) async {
        let first = buffer & ~(PAGE_SIZE - 1)
        for (i, pfn) in pfns.enumerated() {
            let pageStart = first + UInt64(i) << 12
            let lo = max(pageStart, buffer), hi = min(pageStart + PAGE_SIZE, buffer + bytes)
            guard lo < hi else { continue }
            // The DMA engine's access to one page: the frame's contents (or the file's or
            // device's store behind it) record it.
            await t.step()
            // Whether the frame was freed or reused is its identity (flags, epoch), not its
            // counts: a get or put of the page by another CPU does not order against it.
            if memory.memmap.isRemoved(pfn) || (memory.memmap.pfnValid(pfn)
                                         && (shape(pfn).flags.contains(.free)
                                             || shape(pfn).epoch != epochs[i])) {
                report(.dmaAfterFree,
                       "DMA \(read ? "into" : "from") pfn \(hex(pfn)): the frame was "
                       + "freed or reused while the I/O held it", t)
            }
            checkFreedPmem(t, pfn, .dmaAfterFree, "DMA \(read ? "into" : "from")")
            let fileOff = offset + (lo - buffer)
            let phys = pfn.physAddr
            if read {
                for a in stride(from: lo & ~7, to: hi, by: 8)
                    where readPhys(phys | (a & 0xfff)) != 0 {
                    writePhys(phys | (a & 0xfff), 0)
                }
                for (off, v) in storedWords(store, fileOff, hi - lo) {
                    writePhys(phys | ((lo + (off - fileOff)) & 0xfff), v)
                }
            } else {
                for a in stride(from: lo & ~7, to: hi, by: 8) {
                    storeWord(store, fileOff + (a - lo), readPhys(phys | (a & 0xfff)))
                }
            }
            t.exec.note("dma \(read ? "write" : "read") pfn \(hex(pfn)) [\(hex(lo))..\(hex(hi))]")
        }
    }

    /// After a direct write, cached pages of the range show the new contents (the kernel
    /// invalidates them; the next read brings the same words back).
    private func refreshCachedPages(inode: InodeID, _ offset: UInt64, _ len: UInt64) {
        let first = Int(offset >> 12), last = Int((offset + len - 1) >> 12)
        for index in first...last where index < files.inodes[inode].cache.count {
            guard let pfn = files.inodes[inode].cached(index) else { continue }
            for (off, _) in frameWords(pfn) { writePhys(pfn.physAddr | off, 0) }
            for (off, v) in storedWords(.file(inode), UInt64(index) << 12, PAGE_SIZE) {
                writePhys(pfn.physAddr | (off & 0xfff), v)
            }
        }
    }

    /// Models dax_iomap_rw() (fs/dax.c): direct I/O on an fs-dax file is a copy between
    /// the user buffer and the pmem blocks through the kernel's direct map (iomap_begin,
    /// dax_direct_access, copy_to/from_iter): the user buffer is touched like any user
    /// access (faults, no GUP). A read of a hole or unwritten extent gives zeros; a write
    /// allocates.
    private func daxCopyIO(_ t: KTask, read: Bool, inode: InodeID, buffer: UInt64, len: UInt64,
                           offset: UInt64) async -> Int {
        guard let f = daxFile(inode: inode) else { return -Errno.EIO }
        var addr = buffer
        while addr < buffer + len {
            let pageEnd = min((addr & ~(PAGE_SIZE - 1)) + PAGE_SIZE, buffer + len)
            guard case .ok(let phys) = await userAccess(t, addr, write: read) else {
                return addr > buffer ? Int(addr - buffer) : -Errno.EFAULT
            }
            let userBase = phys & ~(PAGE_SIZE - 1)
            var a = addr
            while a < pageEnd {
                let fileOff = offset + (a - buffer)
                let index = Int(fileOff >> 12)
                var devPhys: UInt64? = nil
                if let map = daxIomap(f, index: index, count: 1, write: !read), map.kind != .hole,
                   !(read && map.kind == .unwritten),
                   let pfn = daxDirectAccess(files.daxFiles[f].region, block: map.block, pages: 1,
                                             extent: 1) {
                    devPhys = pfn.pfn.physAddr | (fileOff & (PAGE_SIZE - 1))
                }
                let user = userBase | (a & (PAGE_SIZE - 1))
                if read {
                    writePhys(user, devPhys.map { readPhys($0) } ?? 0)
                } else if let devPhys {
                    writePhys(devPhys, readPhys(user))
                } else {
                    return a > buffer ? Int(a - buffer) : -Errno.ENOSPC
                }
                a += 8
            }
            addr = pageEnd
        }
        return Int(len)
    }
}

extension Kernel {
    /// Models the mark_dirty part of bio_release_pages() (block/bio.c): after a direct I/O
    /// read each page that is not compound is dirtied (set_page_dirty_lock), so reclaim
    /// cannot take the data it received for clean.
    private func dioMarkPagesDirty(_ t: KTask, _ pfns: [Pfn]) {
        for pfn in pfns where memory.memmap.pfnValid(pfn) && !memory.memmap.isRemoved(pfn) {
            guard compoundHead(pfn) == pfn, !shape(pfn).flags.contains(.head) else { continue }
            if !identity(pfn).flags.contains(.dirty) {
                withState(pfn) { $0.flags.insert(.dirty) }
            }
        }
    }
}
