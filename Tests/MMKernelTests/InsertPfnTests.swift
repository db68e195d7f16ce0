import Testing
@testable import MMKernel

/// PFN insertion (reference §3.3–3.6): preconditions as bug-on, entry bits per era.
@Suite struct InsertPfnTests {
    /// A pfn far above RAM with no memmap (pfn_valid false).
    let rawPfn = Pfn(0x3c_0000)
    /// A RAM pfn (pfn_valid true).
    let ramPfn = Pfn(0x2000)

    /// A vma of `flags` at the 2M-aligned test address, and a fault at `offset` in it.
    func setUp(_ era: Era, _ extra: VMFlags, len: UInt64 = 4 << 20, start: UInt64 = alignedBase,
               offset: UInt64 = 0, write: Bool = false,
               pmd: Bool = true) async -> (Machine, VMFault) {
        let m = await Machine(era)
        let flags: VMFlags = [.read, .write, .mayRead, .mayWrite, .shared, .mayShare]
        let vma = VMA(start: start, end: start + len, flags: flags.union(extra), pgoff: 0,
                      backing: .devMem)
        m.kernel.mms[m.mm].insert(vma)
        var vmf = VMFault(mm: m.mm, vma: vma, address: start + offset,
                          flags: write ? [.write] : [])
        vmf.pud = (await m.kernel.allocWalk(m.task, mm: m.mm, vmf.address, to: .pud))!
        if pmd { vmf.pmd = (await m.kernel.allocWalk(m.task, mm: m.mm, vmf.address, to: .pmd))! }
        return (m, vmf)
    }

    func bugOns(_ m: Machine) -> [String] {
        m.kernel.violations.filter { $0.kind == .bugOn }.map(\.detail)
    }

    @Test func insertPfnWritesSpecialPte() async {
        let (m, vmf) = await setUp(.v6_1, .pfnMap)
        #expect(await m.kernel.vmfInsertPfn(m.task, vmf, pfn: rawPfn) == .done)
        let o = m.observe(vmf.address)
        #expect(o.level == "pte" && o.special && !o.devmap && !o.normal)
        #expect(m.kernel.layout.pfn(o.entry) == rawPfn)
        #expect(m.kernel.violations.isEmpty)
    }

    @Test func insertPfnPreconditionsAreBugOns() async {
        // No PFNMAP/MIXEDMAP.
        var (m, vmf) = await setUp(.v6_1, [])
        #expect(await m.kernel.vmfInsertPfn(m.task, vmf, pfn: rawPfn) == .sigbus)
        #expect(bugOns(m).first?.contains("VM_PFNMAP|VM_MIXEDMAP") == true)
        // MIXEDMAP with a pfn that has a struct page.
        (m, vmf) = await setUp(.v6_1, .mixedMap)
        #expect(await m.kernel.vmfInsertPfn(m.task, vmf, pfn: ramPfn) == .sigbus)
        #expect(bugOns(m).first?.contains("pfn_valid") == true)
        // Both flags.
        (m, vmf) = await setUp(.v6_1, [.pfnMap, .mixedMap])
        #expect(await m.kernel.vmfInsertPfn(m.task, vmf, pfn: rawPfn) == .sigbus)
        #expect(bugOns(m).first?.contains("both") == true)
        // PFNMAP on a COW mapping.
        (m, vmf) = await setUp(.v6_1, .pfnMap)
        vmf.vma.flags.remove([.shared, .mayShare])
        #expect(await m.kernel.vmfInsertPfn(m.task, vmf, pfn: rawPfn) == .sigbus)
        #expect(bugOns(m).first?.contains("is_cow_mapping") == true)
    }

    @Test func insertMixedDevmapBitPerEra() async {
        let devmapPfn = PfnT(pfn: rawPfn, flags: [.dev, .map])
        for (era, bit) in [(Era.v5_10, 58), (.v6_1, 58), (.v6_12, 57)] {
            let (m, vmf) = await setUp(era, [])
            #expect(await m.kernel.vmfInsertMixed(m.task, vmf, devmapPfn, mkwrite: true) == .done)
            let e = m.observe(vmf.address).entry
            #expect(e & (1 << UInt64(bit)) != 0 && e & PTEBits.special != 0, "\(era)")
            #expect(e & PTEBits.rw != 0 && e & PTEBits.dirty != 0)
            #expect(m.kernel.violations.isEmpty)
        }
        // v7.2 has no pfn_t: the flags are ignored and a non-MIXEDMAP vma gets SIGBUS
        // (vm_mixed_ok is no longer a BUG_ON).
        let (m, vmf) = await setUp(.v7_2, [])
        #expect(await m.kernel.vmfInsertMixed(m.task, vmf, devmapPfn, mkwrite: false) == .sigbus)
        #expect(m.kernel.violations.isEmpty)
    }

    @Test func insertMixedNotMixedOkIsBugOnUpTo6x() async {
        let (m, vmf) = await setUp(.v6_1, [])
        let bare = PfnT(pfn: rawPfn, flags: .dev)
        #expect(await m.kernel.vmfInsertMixed(m.task, vmf, bare, mkwrite: false) == .sigbus)
        #expect(bugOns(m).first?.contains("vm_mixed_ok") == true)
        // PFN_SPECIAL passes vm_mixed_ok: a special PTE.
        let (m2, vmf2) = await setUp(.v6_1, [])
        let sp = PfnT(pfn: rawPfn, flags: [.dev, .special])
        #expect(await m2.kernel.vmfInsertMixed(m2.task, vmf2, sp, mkwrite: false) == .done)
        let e = m2.kernel.walkSnapshot(mm: m2.mm, vmf2.address).entry
        #expect(e & PTEBits.special != 0 && !m2.kernel.layout.isDevmap(e))
        #expect(m2.kernel.violations.isEmpty)
    }

    @Test func insertMixedMkwriteUpgradesSamePfnOnly() async {
        let (m, vmf) = await setUp(.v6_1, .mixedMap)
        let p = PfnT(pfn: rawPfn, flags: .dev)
        #expect(await m.kernel.vmfInsertMixed(m.task, vmf, p, mkwrite: false) == .done)
        // Not write-notified (no page_mkwrite): writable but not dirty until mkwrite.
        #expect(m.observe(vmf.address).entry & PTEBits.dirty == 0)
        #expect(await m.kernel.vmfInsertMixed(m.task, vmf, p, mkwrite: true) == .done)
        #expect(m.observe(vmf.address).entry & PTEBits.dirty != 0)
        // A different pfn with mkwrite is the WARN_ON_ONCE(!is_zero_pfn).
        let other = PfnT(pfn: rawPfn + 1, flags: .dev)
        #expect(await m.kernel.vmfInsertMixed(m.task, vmf, other, mkwrite: true) == .done)
        #expect(bugOns(m).first?.contains("is_zero_pfn") == true)
        #expect(m.kernel.layout.pfn(m.observe(vmf.address).entry) == rawPfn)
    }

    @Test func pmdExtraBitsPerEra() async {
        // Bare PFN_DEV into a PFNMAP vma: ≤6.11 a PSE-only PMD that pmd_trans_huge calls a
        // THP; 6.12 and 7.x pmd_mkspecial.
        let bare = PfnT(pfn: rawPfn, flags: .dev)
        for era in [Era.v4_4, .v5_10, .v6_1, .v6_12, .v7_2] {
            let (m, vmf) = await setUp(era, .pfnMap)
            #expect(await m.kernel.vmfInsertPfnPmd(m.task, vmf, bare, write: false) == .done)
            let o = m.observe(vmf.address)
            #expect(o.level == "pmd" && !o.devmap)
            let special = era >= .v6_12
            #expect(o.special == special, "\(era)")
            #expect(m.kernel.layout.isTransHuge(o.entry), "\(era)")
            #expect(m.kernel.violations.isEmpty, "\(era)")
        }
        // A devmap pfn_t needs neither vma flag (≤6.16) and gets DEVMAP, not SPECIAL.
        let devmap = PfnT(pfn: rawPfn, flags: [.dev, .map])
        for era in [Era.v6_1, .v6_12] {
            let (m, vmf) = await setUp(era, [])
            #expect(await m.kernel.vmfInsertPfnPmd(m.task, vmf, devmap, write: true) == .done)
            let o = m.observe(vmf.address)
            #expect(o.devmap && !o.special && o.writable, "\(era)")
            #expect(!m.kernel.layout.isTransHuge(o.entry))
        }
        // v7.2: no devmap, so the same call on a vma without the flags is a BUG_ON.
        let (m, vmf) = await setUp(.v7_2, [])
        #expect(await m.kernel.vmfInsertPfnPmd(m.task, vmf, devmap, write: true) == .sigbus)
        #expect(bugOns(m).first?.contains("pfn_t_devmap") == true)
    }

    @Test func pmdOutsideVmaIsSigbus() async {
        // A vma starting at 2M+4K: the 2M-aligned address below it is outside.
        let (m, vmf) = await setUp(.v6_1, .pfnMap, start: alignedBase + 4096, offset: 8192)
        let r = await m.kernel.vmfInsertPfnPmd(m.task, vmf, PfnT(pfn: rawPfn, flags: .dev),
                                               write: false)
        #expect(r == .sigbus && m.kernel.violations.isEmpty)
    }

    @Test func pmdWriteUpgradesExistingEntry() async {
        let (m, vmf) = await setUp(.v6_1, .pfnMap)
        let p = PfnT(pfn: rawPfn, flags: .dev)
        _ = await m.kernel.vmfInsertPfnPmd(m.task, vmf, p, write: false)
        #expect(m.observe(vmf.address).entry & PTEBits.dirty == 0)
        _ = await m.kernel.vmfInsertPfnPmd(m.task, vmf, p, write: true)
        #expect(m.observe(vmf.address).entry & (PTEBits.dirty | PTEBits.rw)
                == PTEBits.dirty | PTEBits.rw)
        #expect(m.kernel.violations.isEmpty)
    }

    @Test func pudInsertionAndV44HasNone() async {
        let (m, vmf) = await setUp(.v6_1, [], len: 1 << 30, start: 0x7f00_0000_0000 - (2 << 30),
                                   pmd: false)
        let p = PfnT(pfn: Pfn(0x40_0000), flags: [.dev, .map])
        #expect(await m.kernel.vmfInsertPfnPud(m.task, vmf, p, write: true) == .done)
        let w = m.kernel.walkSnapshot(mm: m.mm, vmf.address)
        #expect(w.level == .pud && m.kernel.layout.isDevmap(w.entry))
        let (m4, vmf4) = await setUp(.v4_4, .pfnMap, len: 1 << 30,
                                     start: 0x7f00_0000_0000 - (2 << 30), pmd: false)
        #expect(await m4.kernel.vmfInsertPfnPud(m4.task, vmf4, p, write: true) == .fallback)
    }

    @Test func v7FolioPmdIsRefcountedAndNotSpecial() async {
        let (m, vmf) = await setUp(.v7_2, [])
        let head = (await m.kernel.allocPages(m.task, order: 9))!
        #expect(await m.kernel.vmfInsertFolioPmd(m.task, vmf, pfn: head, write: true) == .done)
        let o = m.observe(vmf.address)
        #expect(o.level == "pmd" && !o.special && o.normal)
        #expect(m.kernel.page(head).refcount == 2 && m.kernel.page(head).entireMapcount == 1)
        #expect(m.kernel.mm(m.mm).filePages.pages == 512)
        // Not order 9: the WARN.
        let small = (await m.kernel.allocPages(m.task))!
        var v2 = vmf
        v2.address += 2 << 20
        v2.pmd = (await m.kernel.allocWalk(m.task, mm: m.mm, v2.address, to: .pmd))!
        #expect(await m.kernel.vmfInsertFolioPmd(m.task, v2, pfn: small, write: true) == .sigbus)
        #expect(bugOns(m).first?.contains("folio_order") == true)
    }

    @Test func v7PageMkwriteIsNormalPte() async {
        let (m, vmf) = await setUp(.v7_2, [])
        let pfn = (await m.kernel.allocPages(m.task))!
        #expect(await m.kernel.vmfInsertPageMkwrite(m.task, vmf, pfn: pfn, write: true) == .done)
        let o = m.observe(vmf.address)
        #expect(o.level == "pte" && !o.special && o.normal && o.writable)
        #expect(m.kernel.page(pfn).refcount == 2 && m.kernel.page(pfn).mapcount == 1)
    }
}
