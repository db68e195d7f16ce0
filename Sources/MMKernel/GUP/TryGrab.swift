/// The outcome of try_grab_folio().
enum GrabResult: Equatable {
    /// A reference or pin was taken.
    case grabbed
    /// Success without a count (PIN on the zero page, 6.x).
    case notCounted
    /// Refused, with the slow path's errno.
    case failed(Int)
}

/// Taking and dropping GUP references and pins (mm/gup.c; reference §5.4).
extension Kernel {
    /// True when `pfn` is a PCI P2PDMA page (is_pci_p2pdma_page()).
    private func isP2PDMAPage(_ pfn: Pfn) -> Bool {
        let p = page(pfn)
        guard p.flags.contains(.zoneDevice), let pg = p.pgmapID else { return false }
        return pgmapInfo(pg).type == .pciP2PDMA
    }

    /// Models folio_is_longterm_pinnable() / is_longterm_pinnable_page(): not for
    /// fs-dax, device-coherent or P2PDMA pages, nor ZONE_MOVABLE pages with
    /// `longterm_migrate_movable` (v5.13; CMA is not modelled).
    private func isLongtermPinnable(_ pfn: Pfn) -> Bool {
        if config.has(.longtermMigrateMovable) && isZoneMovable(pfn) { return false }
        let p = page(pfn)
        guard p.flags.contains(.zoneDevice), let pg = p.pgmapID else { return true }
        switch pgmapInfo(pg).type {
        case .fsDax, .coherent, .pciP2PDMA: return false
        case .generic, .devicePrivate: return true
        }
    }

    /// Models try_grab_folio() (slow path: try_grab_page(), 6.12+ try_grab_folio()) and
    /// try_grab_folio_fast(): GET adds `refs`; PIN adds refs*1024 to a small folio, or
    /// refs to the refcount and the pincount of a large one; the zero page is not pinned.
    /// `.failed` carries the errno the slow path reports: -ENOMEM for a dead refcount,
    /// -EREMOTEIO for P2PDMA without the flag, -EFAULT for a pfn with no struct page.
    func tryGrabFolio(_ t: KTask, _ pfn: Pfn, refs: Int32, _ flags: FollFlags, fast: Bool)
        async -> GrabResult
    {
        // One step: the reference is taken on whatever struct page is there at that moment.
        let head = headIfMemmap(pfn)
        await t.step()
        guard checkRefTarget(t, pfn, fast ? "try_grab_folio_fast" : "try_grab_folio") else {
            return .failed(-Errno.EFAULT)
        }
        if config.era.hasP2PDMAUser && !flags.contains(.pciP2PDMA) {
            checks.stats.p2pdmaChecks += 1
            if isP2PDMAPage(pfn) { return .failed(-Errno.EREMOTEIO) }
        }
        // Neither GET nor PIN (populate, follow for -EEXIST): nothing is counted.
        if flags.intersection([.get, .pin]).isEmpty { return .notCounted }
        if flags.contains(.pin) && (pfn == memory.zeroPfn || isHugeZero(pfn))
            && config.era >= .v6_1 {
            return .notCounted
        }
        if fast && flags.contains(.pin) && flags.contains(.longterm) && !isLongtermPinnable(pfn) {
            return .failed(-Errno.EFAULT)
        }
        let h = page(head)
        // folio_ref_try_add_rcu(): fails on a frame whose count already dropped to zero.
        if h.refcount <= 0 || h.flags.contains(.free) {
            if h.flags.contains(.free) && !fast {
                report(.useAfterFree, "try_grab_page: pfn \(hex(head)) is free", t)
            }
            return .failed(-Errno.ENOMEM)
        }
        let large = h.flags.contains(.head) && h.order > 1
        if flags.contains(.pin) {
            if large {
                withPage(head) {
                    $0.refcount += refs
                    $0.pincount += refs
                }
            } else {
                withPage(head) { $0.refcount += refs * GUP_PIN_COUNTING_BIAS }
            }
        } else {
            withPage(head) { $0.refcount += refs }
        }
        let now = page(head)
        t.exec.note("\(fast ? "try_grab_folio_fast" : "try_grab_page") pfn \(hex(pfn)) "
                    + "ref \(h.refcount) -> \(now.refcount)"
                    + (large && flags.contains(.pin) ? " pincount \(now.pincount)" : ""))
        return .grabbed
    }

    /// Models gup_put_folio(): undo what tryGrabFolio did.
    func gupPutFolio(_ t: KTask, _ pfn: Pfn, refs: Int32, pinned: Bool) async {
        if pinned && (pfn == memory.zeroPfn || isHugeZero(pfn)) && config.era >= .v6_1 { return }
        let head = compoundHead(pfn)
        // Only the folio's shape decides what to undo: reading its counts here would
        // make the put that follows a write, ordering it against every other put.
        let h = shape(head)
        if pinned {
            if h.flags.contains(.head) && h.order > 1 {
                withPage(head) { $0.pincount -= refs }
                await putPage(t, head, refs, name: "unpin_user_page")
            } else {
                await putPage(t, head, refs * GUP_PIN_COUNTING_BIAS, name: "unpin_user_page")
            }
        } else {
            await putPage(t, head, refs)
        }
    }

    /// Models unpin_user_pages() / put_page() over what a thread holds. A pinned page
    /// without a pin, or a put of a page whose references are gone, is reported by the
    /// refcount checkers.
    public func releaseHeld(_ t: KTask, _ held: HeldPages, pinned: Bool) async {
        for (i, pfn) in held.pfns.enumerated() where held.pinned[i] == pinned {
            await gupPutFolio(t, pfn, refs: 1, pinned: pinned)
        }
    }
}
