/// PFN insertion from fault handlers (mm/memory.c, mm/huge_memory.c; reference §3.3–3.6):
/// vmf_insert_pfn, vmf_insert_mixed, vmf_insert_pfn_pmd/_pud and, for the refcounted-DAX
/// era (v6.15+), vmf_insert_page_mkwrite and vmf_insert_folio_pmd/_pud. Each BUG_ON of the
/// kernel is reported as a `bug-on` violation; the fault then fails with SIGBUS (the kernel
/// would oops the task). In eras without pfn_t (v4.4, v7.x) the flags are ignored, as the
/// raw-pfn APIs of those eras have none.

/// pfn_t flags (include/linux/pfn_t.h), v4.5–v6.16.
public struct PfnFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    /// PFN_DEV (bit 61): "not in the system memmap by default".
    public static let dev = PfnFlags(rawValue: 1 << 61)
    /// PFN_MAP (bit 60): the memmap was created by devm_memremap_pages.
    public static let map = PfnFlags(rawValue: 1 << 60)
    /// PFN_SPECIAL (bit 59, ~v4.15): mappable but not GUP-able (FS_DAX_LIMITED, dcssblk).
    public static let special = PfnFlags(rawValue: 1 << 59)
}

/// A `pfn_t`: a pfn and its PFN_* flags.
public struct PfnT: Hashable, Sendable {
    /// The page frame number.
    public var pfn: Pfn
    /// PFN_DEV / PFN_MAP / PFN_SPECIAL.
    public var flags: PfnFlags

    /// A pfn_t of `pfn` with `flags` (pfn_to_pfn_t() when empty, __pfn_to_pfn_t() else).
    public init(pfn: Pfn, flags: PfnFlags = []) {
        self.pfn = pfn
        self.flags = flags
    }

    /// The kernel's u64 encoding: flags in the top bits, the pfn below.
    public var value: UInt64 { flags.rawValue | UInt64(pfn.raw) }

    /// Models pfn_t_has_page(): PFN_MAP set, or PFN_DEV clear.
    public var hasPage: Bool { flags.contains(.map) || !flags.contains(.dev) }
}

extension Kernel {
    /// x86's arch_needs_pgtable_deposit() is false: PFN and DAX huge PMDs are inserted
    /// without a deposited PTE table (only powerpc hash needs one); anonymous THPs always
    /// deposit (pgtable_trans_huge_deposit in do_huge_pmd_anonymous_page).
    static let archNeedsPgtableDeposit = false

    /// Models pfn_t_devmap(): PFN_DEV and PFN_MAP both set, in eras with
    /// ARCH_HAS_PTE_DEVMAP (v4.5–v6.16); false otherwise.
    func pfnTDevmap(_ p: PfnT) -> Bool {
        config.era.hasPfnT && layout.devmap != 0 && p.flags.isSuperset(of: [.dev, .map])
    }

    /// Models pfn_t_special(): PFN_SPECIAL set (pfn_t eras only).
    private func pfnTSpecial(_ p: PfnT) -> Bool { config.era.hasPfnT && p.flags.contains(.special) }

    /// Models vma->vm_page_prot: vm_get_page_prot() of the flags, write-protected when
    /// vma_wants_writenotify() (shared mappings whose vm_ops have page_mkwrite: page-cache
    /// files and fs-dax). Device-dax has no mkwrite, so its entries are writable at once.
    func vmPageProt(_ vma: VMA) -> UInt64 {
        var prot = vma.pageProt
        if vma.wantsWriteNotify { prot &= ~PTEBits.rw }
        return prot
    }

    /// Models maybe_mkwrite()/maybe_pmd_mkwrite(): RW when the vma has VM_WRITE.
    @inline(__always) private func maybeMkwrite(_ e: UInt64, _ vma: VMA) -> UInt64 {
        vma.flags.contains(.write) ? e | PTEBits.rw : e
    }

    /// A kernel BUG_ON(cond): reported as `bug-on` when it fires; returns `cond`.
    func bugOn(_ cond: Bool, _ what: @autoclosure () -> String, _ t: KTask) -> Bool {
        if cond { report(.bugOn, what(), t) }
        return cond
    }

    // MARK: PTE level

    /// Models vmf_insert_pfn() → vmf_insert_pfn_prot() (mm/memory.c; vm_insert_pfn()
    /// ≤v4.17): a special PTE for a raw pfn at vmf.address. BUG_ON: exactly one of
    /// PFNMAP/MIXEDMAP; PFNMAP not COW; on MIXEDMAP the pfn must not be pfn_valid.
    func vmfInsertPfn(_ t: KTask, _ vmf: VMFault, pfn: Pfn) async -> FaultResult {
        let f = vmf.vma.flags
        let pfnmap = f.contains(.pfnMap), mixed = f.contains(.mixedMap)
        if bugOn(!pfnmap && !mixed,
                 "vmf_insert_pfn: BUG_ON(!(vm_flags & (VM_PFNMAP|VM_MIXEDMAP)))", t)
            || bugOn(pfnmap && mixed,
                     "vmf_insert_pfn: BUG_ON(VM_PFNMAP and VM_MIXEDMAP both set)", t)
            || bugOn(pfnmap && f.isCOW, "vmf_insert_pfn: BUG_ON(VM_PFNMAP && is_cow_mapping)", t)
            || bugOn(mixed && memory.memmap.pfnValid(pfn),
                     "vmf_insert_pfn: BUG_ON(VM_MIXEDMAP && pfn_valid(\(hex(pfn))))", t) {
            return .sigbus
        }
        let addr = vmf.address & ~(PAGE_SIZE - 1)
        guard addr >= vmf.vma.start && addr < vmf.vma.end else { return .sigbus }
        return await insertPfn(t, vmf, addr, PfnT(pfn: pfn, flags: .dev), mkwrite: false)
    }

    /// Models vmf_insert_mixed() / vmf_insert_mixed_mkwrite() → __vm_insert_mixed()
    /// (mm/memory.c; vm_insert_mixed() in v4.4). vm_mixed_ok: a MIXEDMAP vma, a devmap or
    /// PFN_SPECIAL pfn_t, or the zero pfn (≤v6.x a BUG_ON; v7.x SIGBUS, and the zero pfn
    /// is refused for mkwrite). Without pte_special a pfn_valid non-devmap pfn is inserted
    /// as a refcounted page (insert_page); otherwise insert_pfn().
    func vmfInsertMixed(_ t: KTask, _ vmf: VMFault, _ pfn: PfnT,
                        mkwrite: Bool) async -> FaultResult {
        let era = config.era
        let f = vmf.vma.flags
        let zero = pfn.pfn == memory.zeroPfn
        if era.hasPfnT {
            let ok = f.contains(.mixedMap) || pfnTDevmap(pfn) || pfnTSpecial(pfn) || zero
            if bugOn(!ok, "vm_insert_mixed: BUG_ON(!vm_mixed_ok(vma, pfn \(hex(pfn.pfn))))", t) {
                return .sigbus
            }
        } else if era.mixedOkIsBugOn {
            // v4.4 (inferred): vm_insert_mixed() BUG_ONs on a vma without VM_MIXEDMAP.
            if bugOn(!f.contains(.mixedMap),
                     "vm_insert_mixed: BUG_ON(!(vm_flags & VM_MIXEDMAP))", t) {
                return .sigbus
            }
        } else {
            // v7.x vm_mixed_ok(vma, pfn, mkwrite): no BUG, a SIGBUS.
            if zero && mkwrite { return .sigbus }
            if !f.contains(.mixedMap) && !zero { return .sigbus }
        }
        let addr = vmf.address & ~(PAGE_SIZE - 1)
        guard addr >= vmf.vma.start && addr < vmf.vma.end else { return .sigbus }
        if layout.special == 0 && !pfnTDevmap(pfn) && memory.memmap.pfnValid(pfn.pfn) {
            let err = await insertPage(t, vmf, addr, pfn.pfn, mkwrite: false)
            if err == -Errno.ENOMEM { return .oom }
            if err < 0 && err != -Errno.EBUSY { return .sigbus }
            return .done
        }
        return await insertPfn(t, vmf, addr, pfn, mkwrite: mkwrite)
    }

    /// Models get_locked_pte()'s allocation part: the PTE slot for `addr`, or the fault
    /// result when it cannot be had (OOM; NOPAGE when a huge PMD sits there).
    func pteSlot(_ t: KTask, _ vmf: VMFault, _ addr: UInt64) async -> Result<EntryRef, FaultStop> {
        var v = vmf
        v.address = addr
        guard let pmdRef = await allocWalk(t, mm: v.mm, addr, to: .pmd) else {
            return .failure(FaultStop(result: .oom))
        }
        v.pmd = pmdRef
        guard let ref = await pteAlloc(t, v) else {
            let pmd = tables.read(pmdRef.slot, pmdRef.index)
            return .failure(FaultStop(result: layout.isLeaf(pmd) ? .done : .oom))
        }
        return .success(ref)
    }

    /// Models insert_pfn() (mm/memory.c): under the PTE lock a present PTE is only
    /// upgraded (mkwrite and the same pfn: young, dirty, writable); a none PTE becomes
    /// pte_mkdevmap (SPECIAL|DEVMAP) for a devmap pfn_t, else pte_mkspecial. NOPAGE always.
    private func insertPfn(_ t: KTask, _ vmf: VMFault, _ addr: UInt64, _ pfn: PfnT,
                           mkwrite: Bool) async -> FaultResult {
        let ref: EntryRef
        switch await pteSlot(t, vmf, addr) {
        case .success(let r): ref = r
        case .failure(let stop): return stop.result
        }
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        let cur = tables.read(ref.slot, ref.index)
        if cur != 0 {
            if mkwrite {
                if layout.pfn(cur) != pfn.pfn {
                    _ = bugOn(layout.pfn(cur) != memory.zeroPfn,
                              "insert_pfn: WARN_ON_ONCE(!is_zero_pfn) at \(hex(addr))", t)
                } else {
                    let e = maybeMkwrite(cur | PTEBits.accessed | PTEBits.dirty, vmf.vma)
                    if e != cur { await writeEntry(t, ref, e, .pte, "insert_pfn(mkwrite)") }
                }
            }
            await unlock(t, ptl)
            return .done
        }
        var e = layout.make(pfn: pfn.pfn, prot: vmPageProt(vmf.vma))
        e = pfnTDevmap(pfn) ? layout.pteMkDevmap(e) : layout.mkSpecial(e)
        if mkwrite { e = maybeMkwrite(e | PTEBits.accessed | PTEBits.dirty, vmf.vma) }
        await writeEntry(t, ref, e, .pte, "insert_pfn")
        await unlock(t, ptl)
        return .done
    }

    /// Models insert_page() (mm/memory.c; with mkwrite as in v7.x
    /// insert_page_into_pte_locked): a normal, refcounted PTE with file rmap and
    /// MM_FILEPAGES. Returns 0, -EBUSY (PTE present and no mkwrite), -EINVAL (anon or
    /// page-table page: validate_page_before_insert), -EFAULT (mkwrite on another pfn)
    /// or -ENOMEM.
    func insertPage(_ t: KTask, _ vmf: VMFault, _ addr: UInt64, _ pfn: Pfn,
                    mkwrite: Bool) async -> Int {
        guard checkRefTarget(t, pfn, "insert_page") else { return -Errno.EFAULT }
        let p = page(pfn)
        if p.flags.contains(.anon) || p.flags.contains(.table) { return -Errno.EINVAL }
        let ref: EntryRef
        switch await pteSlot(t, vmf, addr) {
        case .success(let r): ref = r
        case .failure(let stop): return stop.result == .oom ? -Errno.ENOMEM : -Errno.EBUSY
        }
        let ptl = LockID.ptl(slot: ref.slot)
        await lock(t, ptl)
        let cur = tables.read(ref.slot, ref.index)
        if cur != 0 {
            var err = -Errno.EBUSY
            if mkwrite {
                if layout.pfn(cur) != pfn {
                    _ = bugOn(layout.pfn(cur) != memory.zeroPfn,
                              "insert_page: WARN_ON_ONCE(!is_zero_pfn) at \(hex(addr))", t)
                    err = -Errno.EFAULT
                } else {
                    let e = maybeMkwrite(cur | PTEBits.accessed, vmf.vma)
                    if e != cur { await writeEntry(t, ref, e, .pte, "insert_page(mkwrite)") }
                    err = 0
                }
            }
            await unlock(t, ptl)
            return err
        }
        var e = layout.make(pfn: pfn, prot: vmPageProt(vmf.vma))
        if pfn == memory.zeroPfn {
            e = layout.mkSpecial(e)
        } else {
            await getPage(t, pfn)
            addPteMapping(t, pfn)
            mms[vmf.mm].filePages += 1
            if mkwrite { e = maybeMkwrite(e | PTEBits.accessed | PTEBits.dirty, vmf.vma) }
        }
        await writeEntry(t, ref, e, .pte, "insert_page")
        await unlock(t, ptl)
        return 0
    }

    /// Models vmf_insert_page_mkwrite() (mm/memory.c, v6.15+): insert_page() with
    /// mkwrite = `write`; -EBUSY is NOPAGE, -ENOMEM OOM, other errors SIGBUS.
    func vmfInsertPageMkwrite(_ t: KTask, _ vmf: VMFault, pfn: Pfn,
                              write: Bool) async -> FaultResult {
        let addr = vmf.address & ~(PAGE_SIZE - 1)
        guard addr >= vmf.vma.start && addr < vmf.vma.end else { return .sigbus }
        let err = await insertPage(t, vmf, addr, pfn, mkwrite: write)
        if err == -Errno.ENOMEM { return .oom }
        if err < 0 && err != -Errno.EBUSY { return .sigbus }
        return .done
    }
}

/// A fault outcome that stops an insertion early.
struct FaultStop: Error {
    /// The result to return.
    let result: FaultResult
}

// MARK: PMD and PUD level

/// Which huge level an insertion writes.
enum HugeLevel {
    case pmd, pud

    var level: PageTableLevel { self == .pmd ? .pmd : .pud }
    var size: UInt64 { self == .pmd ? PMD_SIZE : PUD_SIZE }
    var name: String { self == .pmd ? "pmd" : "pud" }
}

extension Kernel {
    /// Models vmf_insert_pfn_pmd() → vmf_insert_pfn_pmd_prot() (mm/huge_memory.c).
    /// BUG_ON: neither PFNMAP nor MIXEDMAP unless a devmap pfn_t (≤v6.16; v4.4 and v7.x
    /// need one of the flags); both flags; PFNMAP and COW; v4.4 also a pfn_valid pfn in
    /// a MIXEDMAP vma (4.4, inferred). The 2M-aligned address must lie in the vma (else
    /// SIGBUS). The era decides the extra bits (§3.6): ≤v6.11 devmap or nothing — a bare
    /// PSE PMD that looks like a THP; v6.12–v6.16 devmap else pmd_mkspecial; v7.x special.
    func vmfInsertPfnPmd(_ t: KTask, _ vmf: VMFault, _ pfn: PfnT,
                         write: Bool) async -> FaultResult {
        await vmfInsertPfnHuge(t, vmf, pfn, write: write, .pmd)
    }

    /// Models vmf_insert_pfn_pud() → vmf_insert_pfn_pud_prot() (mm/huge_memory.c, v4.11+):
    /// the same preconditions and extra bits as the PMD variant, at 1 GiB. Eras without
    /// PUD huge faults fall back.
    func vmfInsertPfnPud(_ t: KTask, _ vmf: VMFault, _ pfn: PfnT,
                         write: Bool) async -> FaultResult {
        guard config.era.hasPudHugeFault else { return .fallback }
        return await vmfInsertPfnHuge(t, vmf, pfn, write: write, .pud)
    }

    /// The body of vmf_insert_pfn_pmd_prot / vmf_insert_pfn_pud_prot.
    private func vmfInsertPfnHuge(_ t: KTask, _ vmf: VMFault, _ pfn: PfnT, write: Bool,
                                  _ h: HugeLevel) async -> FaultResult {
        let f = vmf.vma.flags
        let pfnmap = f.contains(.pfnMap), mixed = f.contains(.mixedMap)
        let fn = "vmf_insert_pfn_\(h.name)"
        let devmap = pfnTDevmap(pfn)
        if bugOn(!pfnmap && !mixed && !devmap,
                 "\(fn): BUG_ON(!(vm_flags & (VM_PFNMAP|VM_MIXEDMAP)) && !pfn_t_devmap)", t)
            || bugOn(pfnmap && mixed, "\(fn): BUG_ON(VM_PFNMAP and VM_MIXEDMAP both set)", t)
            || bugOn(pfnmap && f.isCOW, "\(fn): BUG_ON(VM_PFNMAP && is_cow_mapping)", t)
            || bugOn(config.era.daxInsertion == .mixedMapSpecial && mixed
                     && memory.memmap.pfnValid(pfn.pfn),
                     "\(fn): BUG_ON(VM_MIXEDMAP && pfn_valid(\(hex(pfn.pfn))))", t) {
            return .sigbus
        }
        let addr = vmf.address & ~(h.size - 1)
        guard addr >= vmf.vma.start && addr < vmf.vma.end else { return .sigbus }
        var deposit: TableSlot? = nil
        if h == .pmd && Kernel.archNeedsPgtableDeposit {
            guard let slot = await allocTable(t) else { return .oom }
            deposit = slot
        }
        var extra: UInt64 = 0
        if devmap {
            extra = layout.devmap  // pmd_mkdevmap / pud_mkdevmap: DEVMAP only
        } else if config.era.hasPmdSpecial {
            extra = PTEBits.special  // pmd_mkspecial / pud_mkspecial (v6.12+)
        }
        await insertHugeEntry(t, vmf, addr, pfn.pfn, extra: extra, write: write, h,
                              deposit: deposit, folio: false,
                              why: h == .pmd ? "insert_pfn_pmd" : "insert_pfn_pud")
        return .done
    }

    /// Models vmf_insert_folio_pmd() (mm/huge_memory.c, v6.15+): a refcounted PMD for the
    /// order-9 folio at `pfn` — folio_get, file rmap (entire mapcount), MM_FILEPAGES +512;
    /// no special bit (only the huge zero folio is special).
    func vmfInsertFolioPmd(_ t: KTask, _ vmf: VMFault, pfn: Pfn, write: Bool) async -> FaultResult {
        await vmfInsertFolioHuge(t, vmf, pfn: pfn, write: write, .pmd)
    }

    /// Models vmf_insert_folio_pud() (mm/huge_memory.c, v6.15+): as the PMD variant for
    /// an order-18 folio.
    func vmfInsertFolioPud(_ t: KTask, _ vmf: VMFault, pfn: Pfn, write: Bool) async -> FaultResult {
        await vmfInsertFolioHuge(t, vmf, pfn: pfn, write: write, .pud)
    }

    private func vmfInsertFolioHuge(_ t: KTask, _ vmf: VMFault, pfn: Pfn, write: Bool,
                                    _ h: HugeLevel) async -> FaultResult {
        let addr = vmf.address & ~(h.size - 1)
        guard addr >= vmf.vma.start && addr < vmf.vma.end else { return .sigbus }
        guard checkRefTarget(t, pfn, "vmf_insert_folio_\(h.name)") else { return .sigbus }
        let want = h == .pmd ? 9 : 18
        if bugOn(Int(shape(pfn).order) != want,
                 "vmf_insert_folio_\(h.name): WARN_ON_ONCE(folio_order != \(want))", t) {
            return .sigbus
        }
        var deposit: TableSlot? = nil
        if h == .pmd && Kernel.archNeedsPgtableDeposit {
            guard let slot = await allocTable(t) else { return .oom }
            deposit = slot
        }
        await insertHugeEntry(t, vmf, addr, pfn, extra: 0, write: write, h, deposit: deposit,
                              folio: true, why: h == .pmd ? "insert_pmd(folio)"
                                  : "insert_pud(folio)")
        return .done
    }

    /// Models insert_pfn_pmd()/insert_pfn_pud() and v7.x insert_pmd()/insert_pud(): under
    /// the lock an existing entry is only upgraded (write and the same pfn: young, dirty,
    /// writable; another pfn is a WARN unless it is the huge zero page); a none entry gets
    /// pfn|PSE|`extra` (+young/dirty/write for a write) and the deposited table. With
    /// `folio` the mapping takes a reference and an entire mapcount.
    private func insertHugeEntry(_ t: KTask, _ vmf: VMFault, _ addr: UInt64, _ pfn: Pfn,
                                 extra: UInt64, write: Bool, _ h: HugeLevel, deposit: TableSlot?,
                                 folio: Bool, why: StaticString) async {
        let ref = h == .pmd ? vmf.pmd : vmf.pud
        let ptl = LockID.ptl(slot: ref.slot)  // pmd_lock / pud_lock
        await lock(t, ptl)
        let cur = tables.read(ref.slot, ref.index)
        if cur != 0 {
            if write {
                if layout.pfn(cur) != pfn || !layout.isLeaf(cur) {
                    _ = bugOn(!isHugeZero(layout.pfn(cur)),
                              "insert_pfn_\(h.name): WARN_ON_ONCE(!is_huge_zero) at "
                                  + "\(hex(addr))", t)
                } else {
                    let e = maybeMkwrite(cur | PTEBits.accessed | PTEBits.dirty, vmf.vma)
                    if e != cur { await writeEntry(t, ref, e, h.level, "insert_pfn_huge(mkwrite)") }
                }
            }
            await unlock(t, ptl)
            if let deposit { await freeTable(t, slot: deposit) }
            return
        }
        var e = layout.make(pfn: pfn, prot: vmPageProt(vmf.vma)) | PTEBits.pse | extra
        if write { e = maybeMkwrite(e | PTEBits.accessed | PTEBits.dirty, vmf.vma) }
        if folio {
            await getPage(t, pfn)
            withMapcounts(pfn) { $0.entire += 1 }
            mms[vmf.mm].filePages += Int(h.size >> 12)
        }
        if let deposit { mms[vmf.mm].deposited[addr] = deposit }
        await writeEntry(t, ref, e, h.level, why)
        await unlock(t, ptl)
    }
}
