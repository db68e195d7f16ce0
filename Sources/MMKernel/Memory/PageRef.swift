import MMExplore

/// Page reference counting: get_page/put_page and friends (include/linux/mm.h,
/// include/linux/page_ref.h, mm/swap.c). References are counted on the compound head.
extension Kernel {
    /// compound_head() where a memmap (live or removed) exists; the pfn itself otherwise.
    func headIfMemmap(_ pfn: Pfn) -> Pfn {
        memory.memmap.pfnValid(pfn) || memory.memmap.isRemoved(pfn) ? compoundHead(pfn) : pfn
    }

    /// Checks that `pfn` has a live struct page before a refcount operation; reports
    /// `use-after-free` for a removed memmap or a freed frame, `bad-page-ref` for a pfn
    /// with no struct page at all. Returns false when the operation must not proceed.
    func checkRefTarget(_ t: KTask, _ pfn: Pfn, _ what: String) -> Bool {
        if memory.memmap.isRemoved(pfn) {
            report(.useAfterFree, "\(what): struct page of pfn \(hex(pfn)) was removed", t)
            return false
        }
        if !memory.memmap.pfnValid(pfn) {
            report(.badPageRef, "\(what): pfn \(hex(pfn)) has no struct page", t)
            return false
        }
        return true
    }

    /// Models get_page() / folio_get(): +1 on the head's refcount.
    func getPage(_ t: KTask, _ pfn: Pfn, _ n: Int32 = 1) async {
        let head = headIfMemmap(pfn)
        await t.step()
        guard checkRefTarget(t, pfn, "get_page") else { return }
        if shape(head).flags.contains(.free) {
            report(.useAfterFree, "get_page: pfn \(hex(pfn)) is free in the allocator", t)
        }
        let old = memory.memmap.refcountAdd(head, n)
        t.exec.note("get_page pfn \(hex(head)) ref \(old) -> \(old + n)")
    }

    /// Models put_page() / folio_put(): -1 on the head's refcount; at zero the page is
    /// freed (__put_page → free_unref_page). A put at zero is `refcount-underflow`.
    /// `name` is what the trace calls it (`unpin_user_page` for an unpin).
    func putPage(_ t: KTask, _ pfn: Pfn, _ n: Int32 = 1, name: String = "put_page") async {
        let head = headIfMemmap(pfn)
        await t.step()
        guard checkRefTarget(t, pfn, name) else { return }
        let p = shape(head)
        let old = memory.memmap.refcountSub(head, n, quietAbove: putQuietAbove(p))
        if old < n {
            report(.refcountUnderflow,
                   "\(name): pfn \(hex(head)) refcount \(old), dropping \(n)", t)
            withPage(head) { $0.refcount = 0 }
            return
        }
        if p.flags.contains(.zoneDevice) {
            await zoneDevicePut(t, head, old: old, n, name: name)
            return
        }
        t.exec.note("\(name) pfn \(hex(head)) ref \(old) -> \(old - n)")
        if old == n && !p.flags.contains(.reserved) {
            await freePages(t, head)
        }
    }

    /// The count above which nothing after a put of `page` depends on the result:
    /// zero (__put_page frees at zero), or for a ZONE_DEVICE page its idle count
    /// (zoneDevicePut wakes or frees there; it is zero or one). It depends only on what
    /// the page is and the era, so every put of one page tests the same threshold, as
    /// `AccessKind.decrement` requires.
    private func putQuietAbove(_ page: PageShape) -> Int32 {
        guard page.flags.contains(.zoneDevice) else { return 0 }
        let type = page.pgmapID.map { pgmapInfo($0).type } ?? .generic
        return max(0, zoneDeviceIdleRefcount(type))
    }

    /// Models page_add_*_rmap for a PTE mapping: +1 on the subpage's mapcount.
    func addPteMapping(_ t: KTask, _ pfn: Pfn) {
        withMapcounts(pfn) { $0.mapcount += 1 }
    }

    /// Models page_remove_rmap for a PTE mapping; a mapcount below zero is the kernel's
    /// "Bad page map" BUG.
    func removePteMapping(_ t: KTask, _ pfn: Pfn) {
        let m = mapcounts(pfn).mapcount
        if m <= 0 {
            report(.bugOn, "page_remove_rmap: pfn \(hex(pfn)) mapcount underflow", t)
            return
        }
        withMapcounts(pfn) { $0.mapcount -= 1 }
    }
}
