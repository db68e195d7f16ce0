import Testing
@testable import MMScenario

/// Tests shaped like the seed claims (../shared/design/claims.md) parse as written.
@Suite struct ParseSeedShapeTests {
    static let sources = [
        // C1.3: hugetlb PMD sharing across two processes, unshare vs. a reader.
        """
        MM hugetlb-pmd-share
        "Two processes share a PMD table page over a 1G-aligned hugetlbfs range."
        kernel v5.2
        init {
          hugetlbfs /huge
          file /huge/f size=1G
          process A
          process B
          A: a = mmap /huge/f len=1G shared align=1G populate
          B: b = mmap /huge/f len=1G shared align=1G populate
        }
        T0 on A { r = load a+2M }
        T1 on B { x = munmap b len=2M; alloc_pages 512 }
        finally { A: m = observe a }
        exists (T0:r != 0 /\\ m == pmd)
        expect pass
        """,
        // C2.2: a TTM huge PMD, gup-fast by direct I/O, buffer freed meanwhile.
        """
        MM ttm-huge-pmd
        kernel v5.10 +thp_always
        init {
          dmabuf bo size=2M backing=system huge
          disk disk0 size=4M
          main: buf = mmap dmabuf:bo len=2M shared align=2M
        }
        T0 { r = dio_write disk0 from=buf len=2M }
        T1 { free bo; alloc_pages 512 }
        ~exists (T0:r == -EFAULT)
        expect violation recycled-while-referenced
        expect violation dma-after-free
        """,
        // C4.2: P2PDMA pages through GUP with and without FOLL_PCI_P2PDMA.
        """
        MM p2pdma-gup
        kernel v6.12
        init { p2pmem bar size=2M }
        T0 {
          p = mmap p2pmem:bar len=2M shared
          a = gup p pages=1 fast pin
          b = gup p+4K pages=1 pin p2pdma
          c = gup p+8K pages=1 pin p2pdma longterm
          m = observe p
          unpin
        }
        forall (T0:a == -EREMOTEIO /\\ T0:b == 1 /\\ T0:c < 0 /\\ T0:m.VmFlags has mm)
        expect Always
        """,
        // C0.1: a DAX mapping without struct pages in a v4.4 kernel.
        """
        MM dax-no-memmap
        kernel v4.4
        init {
          pmem pmem0 size=64M mode=raw
          mkfs pmem0 ext4
          mount pmem0 /mnt dax
          file /mnt/f size=4M layout=contiguous
        }
        T0 {
          a = mmap /mnt/f len=4M shared populate align=2M
          n = gup a pages=1
          f = gup a pages=1 fast
          m = observe a
        }
        exists (T0:n == -EFAULT /\\ T0:m.level == pte /\\ T0:m.FilePmdMapped == 0)
        expect Always
        """,
    ]

    @Test(arguments: sources)
    func parses(source: String) throws {
        let test = try LitmusParser.parse(source: source, file: "seed.litmus")
        #expect(!test.threads.isEmpty)
        #expect(!test.expectations.isEmpty)
    }
}
