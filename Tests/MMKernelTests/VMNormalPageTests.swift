import Testing
@testable import MMKernel

/// vm_normal_page() per era (§2) and the entry layout per era (§1.1).
@Suite struct VMNormalPageTests {
    func vma(_ flags: VMFlags, pgoff: UInt64 = 0) -> VMA {
        VMA(start: 0x10_0000, end: 0x20_0000, flags: flags, pgoff: pgoff, backing: .devMem)
    }

    @Test(arguments: Era.allCases) func devmapBitPerEra(era: Era) {
        let layout = Kernel(config: KernelConfig(era: era)).layout
        switch era {
        case .v4_4, .v7_2: #expect(layout.devmap == 0)
        case .v5_2, .v5_10, .v6_1: #expect(layout.devmap == 1 << 58)
        case .v6_12: #expect(layout.devmap == 1 << 57)
        }
    }

    @Test(arguments: Era.allCases) func devmapPteIsSpecialAndDevmap(era: Era) {
        let k = Kernel(config: KernelConfig(era: era))
        let e = k.layout.pteMkDevmap(k.layout.make(pfn: Pfn(0x100000), prot: PTEBits.present))
        #expect(k.layout.isSpecial(e))
        #expect(k.layout.isDevmap(e) == (era.devmapBit != nil))
    }

    @Test func specialPteInPlainVmaIsBadPte() {
        let k = Kernel(config: KernelConfig(era: .v6_1))
        let e = k.layout.mkSpecial(k.layout.make(pfn: Pfn(0x5000), prot: PTEBits.present))
        #expect(k.vmNormalPage(vma([.read]), 0x10_0000, e, nil) == nil)
        #expect(k.violations.first?.kind == .bugOn)
    }

    @Test(arguments: [Era.v5_10, .v6_1, .v6_12]) func devmapPteIsNotNormalNorBad(era: Era) {
        let k = Kernel(config: KernelConfig(era: era))
        let e = k.layout.pteMkDevmap(k.layout.make(pfn: Pfn(0x5000), prot: PTEBits.present))
        #expect(k.vmNormalPage(vma([.read]), 0x10_0000, e, nil) == nil)
        #expect(k.violations.isEmpty)
    }

    @Test func mixedMapWithoutSpecialDependsOnPfnValid() {
        let k = Kernel(config: KernelConfig(era: .v6_1, overrides: [(.pteSpecial, false)]))
        let ram = k.layout.make(pfn: Pfn(0x5000), prot: PTEBits.present)
        let hole = k.layout.make(pfn: Pfn(0x80_0000), prot: PTEBits.present)
        #expect(k.vmNormalPage(vma([.read, .mixedMap]), 0x10_0000, ram, nil) == Pfn(0x5000))
        #expect(k.vmNormalPage(vma([.read, .mixedMap]), 0x10_0000, hole, nil) == nil)
    }

    @Test func bareHugePmdInPlainVmaLooksNormalBefore612() {
        // §2.2: ≤6.11 a PSE-only PMD of a RAM pfn is a normal page unless the vma says
        // otherwise; 6.12+ pmd_special makes vmf_insert_pfn_pmd's entries special.
        for era in [Era.v5_10, .v6_1] {
            let k = Kernel(config: KernelConfig(era: era))
            let pmd = k.layout.make(pfn: Pfn(0x20000), prot: PTEBits.present) | PTEBits.pse
            #expect(k.layout.isTransHuge(pmd))
            #expect(k.vmNormalPagePmd(vma([.read]), 0x10_0000, pmd, nil) == Pfn(0x20000))
        }
        let k = Kernel(config: KernelConfig(era: .v6_12))
        let pmd =
            k.layout.make(pfn: Pfn(0x20000), prot: PTEBits.present) | PTEBits.pse | PTEBits.special
        #expect(k.vmNormalPagePmd(vma([.read]), 0x10_0000, pmd, nil) == nil)
    }

    @Test func devmapPmdIsNotTransHugeInDevmapEras() {
        let k = Kernel(config: KernelConfig(era: .v6_1))
        let pmd = k.layout.pmdMkDevmap(k.layout.make(pfn: Pfn(0x20000), prot: PTEBits.present)
                                       | PTEBits.pse)
        #expect(!k.layout.isTransHuge(pmd))
        #expect(k.layout.isLeaf(pmd))
        #expect(k.vmNormalPagePmd(vma([.read]), 0x10_0000, pmd, nil) == nil)
    }
}
