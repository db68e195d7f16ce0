import MMExplore

/// The type of a ZONE_DEVICE mapping (`enum memory_type`, include/linux/memremap.h).
public enum PgmapType: String, Hashable, Sendable {
    /// MEMORY_DEVICE_FS_DAX: pmem under a DAX filesystem.
    case fsDax = "FS_DAX"
    /// MEMORY_DEVICE_GENERIC: device-dax.
    case generic = "GENERIC"
    /// MEMORY_DEVICE_PCI_P2PDMA: a PCI BAR.
    case pciP2PDMA = "PCI_P2PDMA"
    /// MEMORY_DEVICE_PRIVATE: not CPU-addressable (HMM).
    case devicePrivate = "PRIVATE"
    /// MEMORY_DEVICE_COHERENT.
    case coherent = "COHERENT"
}

/// The state of a dev_pagemap's percpu_ref (include/linux/percpu-refcount.h).
public enum PercpuRefState: String, Hashable, Sendable {
    /// Live: percpu_ref_tryget_live() succeeds.
    case live
    /// percpu_ref_kill() ran: tryget_live fails, existing references drain.
    case dying
    /// The count reached zero after the kill: the release callback completed `done`.
    case dead
}

/// A modelled `struct dev_pagemap` with its embedded percpu_ref.
public struct DevPagemap: Hashable, Sendable {
    /// The type.
    public var type: PgmapType
    /// First pfn of the range.
    public var startPfn: Pfn
    /// Number of pfns.
    public var count: Int
    /// The percpu_ref's state.
    public var state: PercpuRefState = .live
    /// The percpu_ref's count (the base reference included while live).
    public var refs: Int = 1
    /// The memmap was removed (pageunmap_range ran).
    public var removed = false
    /// Who registered it ("pmem0", "p2pmem p").
    public var owner: String

    /// True when `pfn` lies in the range.
    public func contains(_ pfn: Pfn) -> Bool { pfn >= startPfn && pfn < startPfn + count }
}

extension Kernel {
    /// Models memremap_pages() (mm/memremap.c): hot-adds `[startPfn, +count)` to
    /// ZONE_DEVICE, initialises its struct pages (refcount as the era keeps idle pages),
    /// and takes one pgmap reference per pfn where the era does. Returns the pgmap, or nil
    /// (-EBUSY) when the range overlaps an existing pgmap.
    public func memremapPages(_ t: KTask, type: PgmapType, startPfn: Pfn, count: Int,
                              owner: String) async -> PgmapID? {
        if (0..<devices.pgmaps.count).map({ pgmapInfo(PgmapID($0)) }).contains(where: {
            !$0.removed && ($0.contains(startPfn) || $0.contains(startPfn + count - 1))
        }) {
            return nil
        }
        let index = PgmapID(devices.pgmaps.count)
        var pgmap = DevPagemap(type: type, startPfn: startPfn, count: count, owner: owner)
        memory.memmap.online(startPfn: startPfn, count: count)
        let idle = zoneDeviceIdleRefcount(type)
        memory.memmap.fillInSweep(startPfn..<(startPfn + count)) { p in
            let epoch = p.epoch &+ 1
            p = Page()
            p.epoch = epoch
            p.flags = [.zoneDevice]
            p.pgmap = PgmapID.packed(index)
            p.refcount = idle
        }
        // One pgmap reference per pfn (percpu_ref_get_many), except the era without
        // pgmap references at all.
        if config.era.zoneDeviceRefcount != .noPgmapRef { pgmap.refs += count }
        devices.pgmaps.append(pgmap)
        memory.deviceHighestPfn = max(memory.deviceHighestPfn, startPfn + count - 1)
        t.exec.note("memremap_pages \(type.rawValue) pfn \(hex(startPfn))+\(count)")
        return index
    }

    /// The refcount of an idle ZONE_DEVICE page of `type` in this era (§6.3).
    func zoneDeviceIdleRefcount(_ type: PgmapType) -> Int32 {
        switch config.era.zoneDeviceRefcount {
        case .noPgmapRef, .oneBasedIdle: return 1
        case .extraRefRemoved: return type == .devicePrivate || type == .coherent ? 0 : 1
        case .zeroBasedFolios: return type == .generic ? 1 : 0
        }
    }

    /// Models get_dev_pagemap() (mm/memremap.c): the pgmap covering `pfn` with a reference
    /// taken by percpu_ref_tryget_live(), or nil when there is none or it is dying.
    public func getDevPagemap(_ t: KTask, pfn: Pfn) async -> PgmapID? {
        await t.step()
        guard let i = pgmapCovering(pfn) else {
            t.exec.note("get_dev_pagemap pfn \(hex(pfn)) -> NULL (no pgmap)")
            return nil
        }
        guard pgmapTryGetLive(i) else {
            t.exec.note("get_dev_pagemap pfn \(hex(pfn)) -> NULL (percpu_ref "
                        + "\(devices.pgmaps.unrecorded(i).state))")
            return nil
        }
        t.exec.note("get_dev_pagemap pfn \(hex(pfn)) -> pgmap\(i) ref "
                    + "\(devices.pgmaps.unrecorded(i).refs)")
        return i
    }

    /// A dev_pagemap's range, type and owner (fixed) and whether it was removed: a read
    /// of `Obj.pgmap(i)` only, not of its percpu_ref.
    func pgmapInfo(_ i: PgmapID) -> DevPagemap {
        log.read(Obj.pgmap(i))
        return devices.pgmaps.unrecorded(i)
    }

    /// The live (not removed) pgmap covering `pfn` (xa_load of the pgmap array): reads
    /// each pgmap's range.
    private func pgmapCovering(_ pfn: Pfn) -> PgmapID? {
        for raw in 0..<devices.pgmaps.count {
            let i = PgmapID(raw)
            let p = pgmapInfo(i)
            if !p.removed && p.contains(pfn) { return i }
        }
        return nil
    }

    /// Models percpu_ref_tryget_live(): a reference unless the ref was killed. Reads the
    /// ref's mode (`Obj.pgmapLive`, which the kill writes) and, when live, takes a
    /// reference: a commuting update of the count (two trygets succeed in either order).
    func pgmapTryGetLive(_ i: PgmapID) -> Bool {
        log.read(Obj.pgmapLive(i))
        guard devices.pgmaps.unrecorded(i).state == .live else { return false }
        log.update(Obj.pgmapRef(i))
        devices.pgmaps.withUnrecorded(i) { $0.refs += 1 }
        return true
    }

    /// Models percpu_ref_get_many() by a holder: a commuting update.
    func pgmapGet(_ i: PgmapID, _ n: Int = 1) {
        log.update(Obj.pgmapRef(i))
        devices.pgmaps.withUnrecorded(i) { $0.refs += n }
    }

    /// Models put_dev_pagemap() → percpu_ref_put(): a commuting update of the count, in
    /// percpu and atomic mode alike (see `pgmapPut` for why the release is the waiter's).
    public func putDevPagemap(_ t: KTask, _ i: PgmapID, _ n: Int = 1) async {
        await t.step()
        pgmapPut(t, i, n)
    }

    /// Drops `n` references (see `putDevPagemap`); shared with percpu_ref_kill's put of
    /// the base reference. A commuting update of the count in either mode: the put
    /// itself neither reads the mode nor tests for zero. In the kernel exactly one put
    /// (the one that reaches zero after the kill) runs the release, but all that release
    /// does is complete `done`, and only memunmap_pages() waits for it: the waiter
    /// observes "killed and drained" from the count itself (`pgmapWaitDrained`), so which
    /// put was last observes nothing and the puts need no order among them.
    private func pgmapPut(_ t: KTask, _ i: PgmapID, _ n: Int) {
        log.update(Obj.pgmapRef(i))
        devices.pgmaps.withUnrecorded(i) { $0.refs -= n }
        let after = devices.pgmaps.unrecorded(i)
        // The base reference is held until the kill, so a count below zero is a put with
        // no reference behind it, whatever the order of the others.
        if after.refs < 0 {
            report(.refcountUnderflow, "percpu_ref_put: pgmap\(i) (\(after.owner)) below zero", t)
        }
    }

    /// Models percpu_ref_kill(): the ref's mode becomes dying (tryget_live fails from now
    /// on: a write of `Obj.pgmapLive`) and the base reference is put.
    private func pgmapKill(_ t: KTask, _ i: PgmapID) {
        log.write(Obj.pgmapLive(i))
        devices.pgmaps.withUnrecorded(i) { $0.state = .dying }
        pgmapPut(t, i, 1)
    }

    /// Models wait_for_completion(&pgmap->done) in memunmap_pages(): blocks until the
    /// release callback, dev_pagemap_percpu_release(), completed `done`: that happens once
    /// the killed ref's count reaches zero, so the wait reads the mode and the count (and
    /// again in the step after waking), and the step that sees it drained records the
    /// completion.
    private func pgmapWaitDrained(_ t: KTask, _ i: PgmapID) async {
        await t.step()
        if !pgmapDrained(i) {
            t.exec.note("wait_for_completion(pgmap\(i)->done): "
                        + "\(devices.pgmaps.unrecorded(i).refs) refs left")
            await t.exec.block(until: { [unowned self] in
                                   let p = self.devices.pgmaps.unrecorded(i)
                                   return p.state != .live && p.refs <= 0
                               }, on: Obj.pgmap(i))
            // complete() is sticky: once the count reached zero the wait is over (the
            // explorer woke it then), so this read only orders it after the puts.
            _ = pgmapDrained(i)
        }
        log.write(Obj.pgmapDone(i))
        devices.pgmaps.withUnrecorded(i) { $0.state = .dead }
        t.exec.note("dev_pagemap_percpu_release(pgmap\(i)): complete(done)")
    }

    /// Whether pgmap `i`'s ref was killed and its count reached zero (what the release
    /// callback's completion of `done` stands for): reads the mode and the count.
    private func pgmapDrained(_ i: PgmapID) -> Bool {
        log.read(Obj.pgmapLive(i))
        log.read(Obj.pgmapRef(i))
        let p = devices.pgmaps.unrecorded(i)
        return p.state != .live && p.refs <= 0
    }

    /// Models memunmap_pages() (mm/memremap.c, 6.1/7.2 steps): percpu_ref_kill, drop the
    /// per-pfn references, wait_for_completion until every holder let go, then
    /// pageunmap_range: the struct pages are gone and pfn_valid() is false.
    public func memunmapPages(_ t: KTask, _ i: PgmapID) async {
        await t.step()
        let info = pgmapInfo(i)
        pgmapKill(t, i)
        t.exec.note("percpu_ref_kill(pgmap\(i)) refs \(devices.pgmaps.unrecorded(i).refs)")
        switch config.era.zoneDeviceRefcount {
        case .oneBasedIdle:
            // v5.x: put_page() on every pfn; an idle page goes 1 -> 0 and drops its pgmap
            // reference, a page someone still holds keeps it until its holder's put.
            // Idle pages are dropped in one step (nobody else holds them; a racing
            // speculative get sees the zero and fails).
            await t.step()
            var idle = 0
            let end = info.startPfn + info.count
            var pfn = info.startPfn
            while pfn < end {
                // A block of counts nobody holds goes in one access (MemMap.sweepIdleBlock);
                // a block where someone holds a page goes page by page.
                let blockEnd = min(end, pfn.aligned(order: 9) + 512)
                if (pfn == info.startPfn || pfn.isAligned(order: 9))
                    && memory.memmap.sweepIdleBlock(pfn..<blockEnd, idle: 1, to: 0) {
                    idle += blockEnd - pfn
                    pfn = blockEnd
                    continue
                }
                if memory.memmap.refcountInSweep(pfn) == 1 {
                    memory.memmap.setRefcountInSweep(pfn, 0)
                    idle += 1
                } else {
                    await putPage(t, pfn)
                }
                pfn += 1
            }
            await putDevPagemap(t, i, idle)
        case .extraRefRemoved, .zeroBasedFolios:
            // 6.x: percpu_ref_put_many() of the per-pfn references.
            await putDevPagemap(t, i, info.count)
        case .noPgmapRef:
            break
        }
        await pgmapWaitDrained(t, i)
        // pageunmap_range(): every struct page of the range goes (one section object per
        // 128 MiB; the model's namespaces span at most a few).
        await t.step()
        memory.memmap.remove(startPfn: info.startPfn, count: info.count)
        devices.pgmaps[i].removed = true
        t.exec.note("pageunmap_range(pgmap\(i)): memmap of \(info.count) pfns removed")
    }
}

extension Kernel {
    /// Models put_page() on a ZONE_DEVICE page per era (§6.3): put_devmap_managed_page()
    /// in the 1-based era (FS_DAX wakes waiters when the count falls back to the idle 1;
    /// at 0 the page's pgmap reference is dropped), free_zone_device_page() /
    /// free_zone_device_folio() later. The page never returns to the page allocator.
    func zoneDevicePut(_ t: KTask, _ pfn: Pfn, old: Int32, _ n: Int32,
                       name: String = "put_page") async {
        let p = shape(pfn)
        let type = p.pgmapID.map { pgmapInfo($0).type } ?? .generic
        let now = old - n
        t.exec.note("\(name) zone-device pfn \(hex(pfn)) ref \(old) -> \(now)")
        let idle = zoneDeviceIdleRefcount(type)
        if now == idle && type == .fsDax {
            t.exec.wake(Obj.page(pfn))  // wake_up_var(&page->_refcount): layouts may break
        }
        guard now == 0 else { return }
        switch config.era.zoneDeviceRefcount {
        case .noPgmapRef:
            break
        case .oneBasedIdle:
            // __put_page(): a ZONE_DEVICE page drops its pgmap reference.
            if let pg = p.pgmapID { await putDevPagemap(t, pg) }
        case .extraRefRemoved, .zeroBasedFolios:
            // free_zone_device_page()/folio(): page_free; PRIVATE/COHERENT drop their
            // pgmap reference, the others are reset to their idle count.
            if type == .devicePrivate || type == .coherent {
                if let pg = p.pgmapID { await putDevPagemap(t, pg) }
            } else if idle > 0 {
                withPage(pfn) { $0.refcount = idle }
            }
            if type == .pciP2PDMA { await p2pdmaPageFree(t, pfn) }  // back to the genpool
        }
    }
}
