/// A switchable piece of kernel behaviour: a config option, a sysctl, a merged commit or a
/// proposed patch from a thread. `kernel v5.10 +knob -knob` overrides the era's default.
/// Every knob names its source so a reviewer can find the code or the thread.
public enum Knob: Int, CaseIterable, Sendable {
    /// transparent_hugepage/enabled = always (off: madvise, THP only in VM_HUGEPAGE vmas).
    case thpAlways
    /// transparent_hugepage/use_zero_page: a read fault maps the huge zero page.
    case thpHugeZeroPage
    /// A write to a huge zero PMD or shared anon THP splits it and COWs 4K pages (v5.8+);
    /// off: a THP is allocated for the write (the older anon-THP COW semantics).
    case thpCowSplit
    /// A read fault on a page-cache file maps the cached neighbours in a 64K window too
    /// (fault_around_bytes = 65536); off: fault_around_bytes = 4096, one page per fault.
    case faultAround
    /// Larger anonymous mappings are placed on a THP boundary (v6.7; PMD-sized lengths
    /// only from v6.12).
    case anonThpAlign
    /// The architecture has a PTE special bit (ARCH_HAS_PTE_SPECIAL); off: PTEs carry no
    /// special bit and vm_normal_page applies the VM_PFNMAP linearity rule instead.
    case pteSpecial
    /// The page allocator hands out the most recently freed frames first (per-cpu lists
    /// are LIFO); off: first in, first out.
    case allocLifo
    /// Device removal first unmaps every fs-dax mapping of the device and flushes TLBs
    /// (the alternative in the seed 003 thread; MF_MEM_PRE_REMOVE later). C3.3.
    case daxUnmapOnRemove
    /// gup-fast takes a dev_pagemap reference (get_dev_pagemap) before grabbing a devmap
    /// page, and backs off when the pgmap is dying. Seed 003.
    case gupFastPgmapCheck
    /// gup-fast falls back to the slow path on a special PTE. Seed 000 (claim C0.4).
    case gupFastSpecialCheck

    /// The mmu_gather flushes the TLB before it frees the gathered pages and page tables
    /// (clear, flush, free); off: pages and tables are freed first, the flush comes last.
    case tlbFlushBeforeFree
    /// Page-table pages are freed after an RCU grace period (MMU_GATHER_RCU_TABLE_FREE
    /// in effect), not right after the TLB flush.
    case rcuTableFree
    /// TTM's huge fault path (ttm_bo_vm_insert_huge): 2M-aligned contiguous BOs are mapped
    /// with huge PMDs inserted with bare PFN_DEV (v5.8–v5.15). Seed 002.
    case ttmHugeFault
    /// TTM BO mappings are VM_PFNMAP (not VM_MIXEDMAP) and COW mappings are refused
    /// ("drm/ttm: nuke VM_MIXEDMAP on BO mappings v3", v5.14). Seed 002.
    case ttmNukeMixedmap
    /// TTM's huge PMDs are inserted with PFN_DEV|PFN_MAP (devmap), Thomas Hellström's
    /// proposal in seed 002: get_dev_pagemap() finds nothing and gup-fast backs off.
    case ttmPfnMap
    /// dma_buf_mmap_internal()/dma_buf_mmap() WARN when the exporter's mmap leaves the vma
    /// without VM_PFNMAP (Daniel Vetter's proposed patch, not merged). Seed 002.
    case dmabufRequirePfnmap
    /// huge_pmd_unshare's TLB flush covers only the unmapped huge page instead of the
    /// whole PUD range the shared table mapped. Seed 001 (claim C1.3).
    case hugetlbUnshareNarrowFlush
    /// Larry Bassel's RFC: fs-dax vmas share PMD tables like hugetlb (pmd_share() in
    /// __handle_mm_fault, unshare in zap_huge_pmd). Seed 001 (claim C1.4).
    case fsdaxPmdShare
    /// After huge_pmd_unshare the unmap, truncate and mprotect paths flush the whole
    /// PUD-aligned range the shared table mapped, before i_mmap_rwsem is dropped (v5.16);
    /// off: the unshared range is not flushed by unmap/truncate (only what was cleared).
    case hugetlbUnsharePudFlush
    /// fork makes mm->write_protect_seq odd while it copies page tables and a pinning
    /// gup-fast backs off when the count moved (v5.11); off: gup-fast pins regardless.
    case forkWriteProtectSeq
    /// fork copies an anonymous page that may be DMA-pinned for the child at once
    /// (copy_present_page, v5.9); off: the pinned page is shared and write-protected.
    case forkEarlyCowPinned
    /// A read-only pin of an anonymous page that is not PageAnonExclusive first unshares
    /// it (gup_must_unshare → FAULT_FLAG_UNSHARE, v5.19); off: the shared page is pinned.
    case gupMustUnshare
    /// Truncate and hole punch of an fs-dax file wait until no page of the range is
    /// referenced (dax_layout_busy_page, v4.17); off: blocks are freed under GUP pins.
    case daxBreakLayouts
    /// Reclaim discards a clean lazy-free (MADV_FREE) page only when its refcount is the
    /// isolation reference plus its mappings (v5.18); off: any clean one, even under GUP.
    case madvFreeRefcountCheck
    /// tlb_end_vma flushes a VM_PFNMAP/VM_MIXEDMAP vma's range at once (v5.19); off: the
    /// flush waits for tlb_finish_mmu, after the vma left i_mmap.
    case tlbFlushPfnmapVma
    /// move_ptes flushes the old range before dropping the PTLs when it moved a present
    /// entry (v4.19); off: one flush after move_page_tables, with the PTLs already dropped.
    case mremapFlushUnderPtl
    /// A remote TLB flush interrupts the other CPUs and waits for each handler (x86
    /// native); off: the flush reaches them without an IPI (arm64 broadcast TLBI, x86
    /// under Hyper-V/KVM paravirt flush) and does not wait for IRQs-off CPUs.
    case tlbFlushIpi
    /// gup-fast re-reads the PMD as well as the PTE after taking its reference and backs
    /// off when either changed (v6.0); off: only the PTE is re-read. Only where gup-fast
    /// re-reads at all (`gup_fast_pte_recheck`).
    case gupFastPmdRecheck
    /// khugepaged's collapse calls tlb_remove_table_sync_one() after pmdp_collapse_flush,
    /// an IPI to every CPU that waits for IRQs-off gup-fast walkers (v6.2); off: it
    /// goes on once the flush is done.
    case khugepagedGupFastIpi
    /// After a write fault broke COW in a vma without VM_WRITE, GUP retries the follow
    /// with FOLL_WRITE kept and FOLL_COW set (v4.9, CVE-2016-5195 "Dirty COW"); off: the
    /// retry drops FOLL_WRITE and takes whatever page is mapped then, even the file's.
    case gupCowRetryKeepsWrite
    /// huge_pmd_unshare calls tlb_remove_table_sync_one() after clearing the PUD, so no
    /// gup-fast still walks the table when another process may reuse it (v6.16,
    /// CVE-2025-38085); off: the table is given up while a lockless walk may be in it.
    case hugetlbUnshareGupFastSync
    /// gup-fast re-reads the PTE after taking its speculative reference and drops the page
    /// when the entry changed (generic gup-fast); off: the entry read once is trusted, as
    /// x86's own gup-fast before v4.13 did, relying on the flush IPI.
    case gupFastPteRecheck
    /// FOLL_LONGTERM pins migrate pages out of ZONE_MOVABLE first (v5.13); off: only CMA
    /// pages are migrated (v5.1), so a long-term pin may hold a ZONE_MOVABLE frame.
    case longtermMigrateMovable
    /// Booted with movablecore=: user pages (GFP_HIGHUSER_MOVABLE) come from ZONE_MOVABLE,
    /// the upper half of RAM; kernel allocations from ZONE_NORMAL, the lower half.
    case movableZone
    /// Frees go to the freeing CPU's per-cpu list and allocations take from their own
    /// CPU's list first; off: every CPU shares one free list (as if every free were
    /// drained to the buddy lists at once), so a frame freed on one CPU is the next one
    /// handed out on any.
    case pcpLists
    /// The per-cpu lists hold orders 1...3 and THP-sized blocks as well as order 0
    /// (v5.13); off: only order-0 frames, higher orders go to the zone's lists.
    case pcpHighOrder

    /// The knob's name on a `kernel` line.
    public var name: String { info.name }

    /// Looks up a knob by its name; nil for an unknown one.
    public init?(name: String) {
        guard let knob = Knob.allCases.first(where: { $0.info.name == name }) else { return nil }
        self = knob
    }

    /// Name, meaning and source of the knob.
    public var info: KnobInfo {
        switch self {
        case .thpAlways:
            return KnobInfo(
                name: "thp_always",
                summary: "transparent_hugepage=always; off means madvise (only VM_HUGEPAGE vmas)",
                source: "Documentation/admin-guide/mm/transhuge.rst; Debian 6.1 config "
                    + "CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS=y (oracle thp_settings: [always])")
        case .thpHugeZeroPage:
            return KnobInfo(
                name: "thp_huge_zero_page",
                summary: "a read fault in a THP-eligible anon vma maps the huge zero page",
                source: "\"thp: setup huge zero page on non-write page fault\" (Kirill A. "
                    + "Shutemov, v3.8); transparent_hugepage/use_zero_page = 1")
        case .thpCowSplit:
            return KnobInfo(
                name: "thp_cow_split",
                summary: "write to a huge zero PMD or shared anon THP splits the PMD, COW at 4K",
                source: "\"thp: change CoW semantics for anon-THP\" (Kirill A. Shutemov, v5.8)")
        case .faultAround:
            return KnobInfo(
                name: "fault_around",
                summary: "a file read fault maps the cached pages of its 64K window too",
                source: "\"mm: introduce vm_ops->map_pages()\" and \"mm: introduce "
                    + "do_fault_around()\" (Kirill A. Shutemov, v3.15); debugfs "
                    + "fault_around_bytes")
        case .anonThpAlign:
            return KnobInfo(
                name: "anon_thp_align",
                summary: "anon mmap of a PMD-multiple length is placed 2M-aligned",
                source: "\"mm: align larger anonymous mappings on THP boundaries\" (Rik van "
                    + "Riel, v6.7); \"mm, mmap: limit THP alignment of anonymous mappings to "
                    + "PMD-aligned sizes\" (Vlastimil Babka, v6.12)")
        case .pteSpecial:
            return KnobInfo(
                name: "pte_special",
                summary: "PTEs carry _PAGE_SPECIAL; off: vm_normal_page uses the linearity rule",
                source: "\"mm: introduce ARCH_HAS_PTE_SPECIAL\" (Laurent Dufour, v4.18; "
                    + "x86 had __HAVE_ARCH_PTE_SPECIAL since v2.6.26)")
        case .gupFastPgmapCheck:
            return KnobInfo(
                name: "gup_fast_pgmap_check",
                summary: "gup-fast calls get_dev_pagemap() on devmap entries and backs off "
                    + "when it fails",
                source: "\"mm, x86: get_user_pages() for dax mappings\" (Dan Williams, v4.5); "
                    + "thread \"Re: ... gup-fast and dev_pagemap\" (Dan Williams, Feb 2021)")
        case .gupFastSpecialCheck:
            return KnobInfo(
                name: "gup_fast_special_check",
                summary: "gup-fast falls back on a PTE with _PAGE_SPECIAL",
                source: "\"mm: introduce get_user_pages_fast\" (Nick Piggin, v2.6.27); "
                    + "thread \"mm: Fix mmap MAP_POPULATE for DAX pmd mapping\" (Dec 2015)")
        case .tlbFlushBeforeFree:
            return KnobInfo(
                name: "tlb_flush_before_free",
                summary: "mmu_gather: clear entries, flush the TLB, then free pages and tables",
                source: "mm/mmu_gather.c tlb_flush_mmu(): tlb_flush_mmu_tlbonly() before "
                    + "tlb_flush_mmu_free(); breaches fixed after Jann Horn's reports: "
                    + "\"mremap: properly flush TLB before releasing the page\" (Linus "
                    + "Torvalds, v4.19, CVE-2018-18281), \"mm/tlb, x86/mm: Support "
                    + "invalidating TLB caches for RCU_TABLE_FREE\" (Peter Zijlstra, v4.19)")
        case .rcuTableFree:
            return KnobInfo(
                name: "rcu_table_free",
                summary: "page tables freed after an RCU grace period (IRQs-off holds it up)",
                source: "6.1 arch/x86/Kconfig: select MMU_GATHER_RCU_TABLE_FREE if PARAVIRT "
                    + "(Debian: XEN=y, so PARAVIRT=y), but arch/x86/kernel/paravirt.c's native "
                    + "pv_ops.mmu.tlb_remove_table is tlb_remove_page: on bare metal tables are "
                    + "freed like pages; Xen PV, Hyper-V and KVM PV flush use tlb_remove_table. "
                    + "\"x86/mm: Make MMU_GATHER_RCU_TABLE_FREE unconditional\" (Rik van "
                    + "Riel, v6.15)")
        case .ttmHugeFault:
            return KnobInfo(
                name: "ttm_huge_fault",
                summary: "TTM maps 2M-aligned contiguous BOs with bare PFN_DEV huge PMDs",
                source: "\"drm/ttm, drm/vmwgfx: Support huge TTM pagefaults\" (Thomas "
                    + "Hellström, v5.8); removed by \"drm/ttm: remove ttm_bo_vm_insert_huge()\" "
                    + "(Jason Gunthorpe, 0d979509539e, v5.16; 5.14.y/5.15.y)")
        case .ttmNukeMixedmap:
            return KnobInfo(
                name: "ttm_nuke_mixedmap",
                summary: "TTM BO vmas are VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP; COW refused",
                source: "\"drm/ttm: nuke VM_MIXEDMAP on BO mappings v3\" (Christian König, "
                    + "v5.14)")
        case .ttmPfnMap:
            return KnobInfo(
                name: "ttm_pfn_map",
                summary: "TTM huge PMDs carry PFN_DEV|PFN_MAP: devmap, get_dev_pagemap() is NULL",
                source: "Thomas Hellström, dri-devel \"[PATCH 1/2] dma-buf: Require VM_PFNMAP "
                    + "vma for mmap\" thread (Mar 2021): \"set PFN_DEV | PFN_MAP for huge PTEs\"")
        case .dmabufRequirePfnmap:
            return KnobInfo(
                name: "dmabuf_require_pfnmap",
                summary: "dma-buf mmap WARN_ON_ONCE(!(vma->vm_flags & VM_PFNMAP)) after the "
                    + "exporter's mmap",
                source: "\"dma-buf: Require VM_PFNMAP vma for mmap\" (Daniel Vetter, v3 Feb "
                    + "2021, resent 22 Nov 2022; not merged)")
        case .hugetlbUnshareNarrowFlush:
            return KnobInfo(
                name: "hugetlb_unshare_narrow_flush",
                summary: "huge_pmd_unshare flushes only the unmapped huge page, not the PUD range",
                source: "before \"hugetlb: take PMD sharing into account when flushing "
                    + "tlb/caches\" (Mike Kravetz, dff11abe280b, v4.19): the fix widens the "
                    + "flush with adjust_range_if_pmd_sharing_possible and "
                    + "tlb_flush_pmd_range(addr & PUD_MASK, PUD_SIZE); cited in seed 001")
        case .fsdaxPmdShare:
            return KnobInfo(
                name: "fsdax_pmd_share",
                summary: "fs-dax faults share PMD tables (pmd_share); zap_huge_pmd unshares "
                    + "with pud_clear under the PMD lock only",
                source: "\"[PATCH, RFC 2/2] Implement sharing/unsharing of PMDs for FS/DAX\" "
                    + "(Larry Bassel, 9 May 2019; v2 7 Jun 2019; not merged); Kirill A. "
                    + "Shutemov: \"You don't have proper locking in place to do this.\"")
        case .hugetlbUnsharePudFlush:
            return KnobInfo(
                name: "hugetlb_unshare_pud_flush",
                summary: "after huge_pmd_unshare, flush the PUD range (addr & PUD_MASK, "
                    + "PUD_SIZE) before i_mmap_rwsem is dropped",
                source: "\"hugetlbfs: flush TLBs correctly after huge_pmd_unshare\" (Nadav "
                    + "Amit, a4a118f2eead, v5.16): tlb_flush_pmd_range(tlb, address & "
                    + "PUD_MASK, PUD_SIZE) and force_flush -> tlb_flush_mmu_tlbonly")
        case .forkWriteProtectSeq:
            return KnobInfo(
                name: "fork_write_protect_seq",
                summary: "fork bumps mm->write_protect_seq around copy_page_range; a pinning "
                    + "gup-fast that saw it odd or changed unpins and takes the slow path",
                source: "\"mm/gup: prevent gup_fast from racing with COW during fork\" (Jason "
                    + "Gunthorpe, 57efa1fe5957, v5.11)")
        case .forkEarlyCowPinned:
            return KnobInfo(
                name: "fork_early_cow_pinned",
                summary: "copy_present_pte copies a page_maybe_dma_pinned() anon page for the "
                    + "child instead of sharing it",
                source: "\"mm: Do early cow for pinned pages during fork() for ptes\" (Peter "
                    + "Xu, 70e806e4e645, v5.9)")
        case .gupMustUnshare:
            return KnobInfo(
                name: "gup_must_unshare",
                summary: "a R/O FOLL_PIN of a non-exclusive anon page faults with "
                    + "FAULT_FLAG_UNSHARE first (gup-fast backs off)",
                source: "\"mm/gup: trigger FAULT_FLAG_UNSHARE when R/O-pinning a possibly "
                    + "shared anonymous page\" (David Hildenbrand, a7f226604170, v5.19)")
        case .daxBreakLayouts:
            return KnobInfo(
                name: "dax_break_layouts",
                summary: "fs-dax truncate/punch unmap, then wait for busy (pinned) pages "
                    + "before freeing blocks",
                source: "\"mm, fs, dax: handle layout changes to pinned dax mappings\" (Dan "
                    + "Williams, v4.17); ext4_break_layouts, xfs_break_dax_layouts")
        case .madvFreeRefcountCheck:
            return KnobInfo(
                name: "madv_free_refcount_check",
                summary: "try_to_unmap_one discards a lazy-free page only if ref_count == "
                    + "1 + map_count (no GUP reference, e.g. direct I/O in flight)",
                source: "\"mm: fix race between MADV_FREE reclaim and blkdev direct IO read\" "
                    + "(Mauricio Faria de Oliveira, 6c8e2a256915, v5.18; backported to 5.10.y)")
        case .tlbFlushPfnmapVma:
            return KnobInfo(
                name: "tlb_flush_pfnmap_vma",
                summary: "tlb_end_vma flushes the TLB for VM_PFNMAP|VM_MIXEDMAP vmas before "
                    + "free_pgtables unlinks them (munmap vs. unmap_mapping_range)",
                source: "\"mmu_gather: Force tlb-flush VM_PFNMAP vmas\" (Peter Zijlstra, "
                    + "b67fbebd4cf9, v5.19, CVE-2022-39188); 5.10.y: \"mm: Force TLB "
                    + "flush for PFNMAP mappings before unlink_file_vma()\" (Jann Horn)")
        case .mremapFlushUnderPtl:
            return KnobInfo(
                name: "mremap_flush_under_ptl",
                summary: "move_ptes flushes the TLB of the old range before it drops the PTLs "
                    + "(a present entry forces the flush)",
                source: "\"mremap: properly flush TLB before releasing the page\" (Linus "
                    + "Torvalds, eb66ae030829, v4.19, CVE-2018-18281)")
        case .tlbFlushIpi:
            return KnobInfo(
                name: "tlb_flush_ipi",
                summary: "remote TLB flushes are IPIs the initiator waits for; off: broadcast "
                    + "invalidation that does not wait for IRQs-off CPUs",
                source: "arch/x86/mm/tlb.c native_flush_tlb_multi (on_each_cpu_cond_mask, wait); "
                    + "off: arm64 flush_tlb_range (TLBI ...IS broadcast), x86 "
                    + "hyperv_flush_tlb_multi / kvm_flush_tlb_multi (paravirt, no IPI to "
                    + "preempted vCPUs); those configs select MMU_GATHER_RCU_TABLE_FREE, so "
                    + "pair it with +rcu_table_free")
        case .gupFastPmdRecheck:
            return KnobInfo(
                name: "gup_fast_pmd_recheck",
                summary: "gup_pte_range re-reads the PMD after grabbing the page and drops it "
                    + "when the PMD changed (THP collapse cleared it)",
                source: "\"mm: gup: fix the fast GUP race against THP collapse\" (Yang Shi, "
                    + "70cbc3cc78a9, v6.0; 5.10.y and 5.15.y backports, Oct 2022)")
        case .khugepagedGupFastIpi:
            return KnobInfo(
                name: "khugepaged_gup_fast_ipi",
                summary: "collapse_huge_page calls tlb_remove_table_sync_one() after "
                    + "pmdp_collapse_flush, so no gup-fast still walks the old PTE table",
                source: "\"mm/khugepaged: fix GUP-fast interaction by sending IPI\" (Jann "
                    + "Horn, 2ba99c5e0881, v6.2; stable backports to 4.9+, Jan 2023)")
        case .gupCowRetryKeepsWrite:
            return KnobInfo(
                name: "gup_cow_retry_keeps_write",
                summary: "faultin_page sets FOLL_COW instead of dropping FOLL_WRITE after a COW "
                    + "in a !VM_WRITE vma; the retry follows only a PTE that may be written",
                source: "\"mm: remove gup_flags FOLL_WRITE games from __get_user_pages()\" "
                    + "(Linus Torvalds, 19be0eaffa3a, v4.9, CVE-2016-5195; stable 4.4.26)")
        case .hugetlbUnshareGupFastSync:
            return KnobInfo(
                name: "hugetlb_unshare_gup_fast_sync",
                summary: "huge_pmd_unshare IPIs every CPU (tlb_remove_table_sync_one) after "
                    + "pud_clear, before the shared PMD table's count drops",
                source: "\"mm/hugetlb: fix huge_pmd_unshare() vs GUP-fast race\" (Jann Horn, "
                    + "1013af4f585f, v6.16, CVE-2025-38085; stable 6.1.142, 6.12.35)")
        case .gupFastPteRecheck:
            return KnobInfo(
                name: "gup_fast_pte_recheck",
                summary: "gup_pte_range re-reads the PTE after the speculative reference and "
                    + "drops the page when it changed (unmap, migration entry)",
                source: "\"mm: introduce a general RCU get_user_pages_fast()\" (Steve Capper, "
                    + "2667f50e8b81, v3.19); x86 since \"x86/mm/gup: Switch GUP to the generic "
                    + "get_user_page_fast() implementation\" (Kirill A. Shutemov, v4.13)")
        case .longtermMigrateMovable:
            return KnobInfo(
                name: "longterm_migrate_movable",
                summary: "a FOLL_LONGTERM pin of a ZONE_MOVABLE page migrates it to a "
                    + "non-movable frame first (check_and_migrate_movable_pages)",
                source: "\"mm/gup: migrate pinned pages out of movable zone\" (Pavel Tatashin, "
                    + "d1e153fea2a8, v5.13) with \"mm: honor PF_MEMALLOC_PIN for all movable "
                    + "pages\" (v5.13); before: \"mm: Update get_user_pages_longterm to migrate "
                    + "pages allocated from CMA region\" (Aneesh Kumar K.V, v5.1), CMA only")
        case .movableZone:
            return KnobInfo(
                name: "movable_zone",
                summary: "boot with movablecore=: user pages from ZONE_MOVABLE (upper half of "
                    + "RAM), kernel allocations and long-term-pin targets from ZONE_NORMAL",
                source: "Documentation/admin-guide/kernel-parameters.txt movablecore= (\"Add a "
                    + "movablecore= parameter for sizing ZONE_MOVABLE\", Mel Gorman, v2.6.23); "
                    + "memory onlined to ZONE_MOVABLE (memory-hotplug.rst)")
        case .pcpLists:
            return KnobInfo(
                name: "pcp_lists",
                summary: "each CPU frees to and allocates from its own per-cpu list first; "
                    + "off: one free list shared by every CPU",
                source: "mm/page_alloc.c free_unref_page_commit / rmqueue_pcplist (struct "
                    + "per_cpu_pages); a drain at pcp->high or drain_all_pages() is what "
                    + "lets another CPU reuse a frame")
        case .pcpHighOrder:
            return KnobInfo(
                name: "pcp_high_order",
                summary: "per-cpu lists also hold orders 1-3 and THP-sized blocks",
                source: "\"mm/page_alloc: allow high-order pages to be stored on the per-cpu "
                    + "lists\" (Mel Gorman, v5.13)")
        case .daxUnmapOnRemove:
            return KnobInfo(
                name: "dax_unmap_on_remove",
                summary: "unbind tells whatever filesystem is on the device to zap its fs-dax "
                    + "mappings, and flushes TLBs, before memunmap_pages (any filesystem)",
                source: "Dan Williams, \"Re: ... dev_pagemap\" (Feb 2021: \"tell the filesystem "
                    + "to unmap all dax files\"): the seed-003 proposal; the kernel does it for "
                    + "XFS only (Era.xfsUnmapsOnPreRemove)")
        case .allocLifo:
            return KnobInfo(
                name: "alloc_lifo",
                summary: "freed frames are handed out again most recent first",
                source: "mm/page_alloc.c free_unref_page: pages go to the head of the per-cpu "
                    + "list and rmqueue_pcplist takes from the head")
        }
    }

    /// The knob's value in `era` when the `kernel` line does not set it.
    public func defaultValue(in era: Era) -> Bool {
        switch self {
        case .thpAlways, .thpHugeZeroPage, .pteSpecial, .allocLifo, .gupFastPgmapCheck,
             .gupFastSpecialCheck, .faultAround:
            return true
        case .tlbFlushBeforeFree: return true
        case .ttmHugeFault: return era == .v5_10
        case .ttmNukeMixedmap: return era >= .v6_1
        case .ttmPfnMap, .dmabufRequirePfnmap, .hugetlbUnshareNarrowFlush, .fsdaxPmdShare:
            return false
        case .rcuTableFree: return era >= .v7_2
        // The seed-003 proposal (every filesystem told); what 7.x does for XFS alone is the
        // era rule Era.xfsUnmapsOnPreRemove.
        case .daxUnmapOnRemove: return false
        case .thpCowSplit: return era >= .v5_10
        case .anonThpAlign: return era >= .v6_12
        case .hugetlbUnsharePudFlush: return era >= .v6_1  // v5.16
        case .forkWriteProtectSeq: return era >= .v6_1  // v5.11
        case .forkEarlyCowPinned: return era >= .v5_10  // v5.9
        case .gupMustUnshare: return era >= .v6_1  // v5.19
        case .daxBreakLayouts: return era.pmemHasMemmap  // v4.17; v4.4 has no pages
        // v5.18 and v5.19, both backported to 5.10.y (v5.10 reads 5.10.223).
        case .madvFreeRefcountCheck: return era >= .v5_10
        case .tlbFlushPfnmapVma: return era >= .v5_10
        case .mremapFlushUnderPtl: return era >= .v5_2  // v4.19 (4.4.y backport not checked)
        case .tlbFlushIpi: return true  // x86 native in every era
        // v6.0 and v6.2, both backported to 5.10.y (v5.10 reads 5.10.223); 4.19.y/5.4.y
        // did not take the gup-fast recheck, 5.2.y was closed long before either.
        case .gupFastPmdRecheck: return era >= .v5_10
        case .khugepagedGupFastIpi: return era >= .v5_10
        // v4.9; the v4.4 era is 2015 mainline code (4.4.26 has the backport).
        case .gupCowRetryKeepsWrite: return era >= .v5_2
        // v6.16, in 6.1.142 and 6.12.35 (the eras read 6.1.192 and 6.12.117); the v5.10
        // era is 5.10.223, a year older.
        case .hugetlbUnshareGupFastSync: return era >= .v6_1
        case .gupFastPteRecheck: return era.hasGenericGupFast  // x86 generic from v4.13
        case .longtermMigrateMovable: return era >= .v6_1  // v5.13
        case .movableZone: return false  // a boot option, not a fix
        case .pcpLists: return true  // per-cpu pagesets predate every era
        case .pcpHighOrder: return era >= .v6_1  // v5.13, not in 5.10.y
        }
    }
}

/// A knob's documentation.
public struct KnobInfo: Sendable {
    /// The name on a `kernel` line.
    public let name: String
    /// One line: what switching it on means.
    public let summary: String
    /// Commit title, config option or thread the behaviour comes from.
    public let source: String
}

/// An era with its knobs resolved: everything the model asks about the kernel it models.
public struct KernelConfig: Sendable, Hashable, CustomStringConvertible {
    /// The era.
    public let era: Era
    /// One bit per knob, set when on.
    private var bits: UInt64
    /// The knobs the `kernel` line set explicitly, in order, with their value.
    public private(set) var overrides: [(knob: Knob, on: Bool)] = []

    /// The era with every knob at its default.
    public init(era: Era) {
        self.era = era
        var bits: UInt64 = 0
        for knob in Knob.allCases where knob.defaultValue(in: era) {
            bits |= 1 << UInt64(knob.rawValue)
        }
        self.bits = bits
    }

    /// The era with `overrides` applied in order.
    public init(era: Era, overrides: [(knob: Knob, on: Bool)]) {
        self.init(era: era)
        for (knob, on) in overrides { set(knob, on) }
    }

    /// Switches `knob` on or off.
    public mutating func set(_ knob: Knob, _ on: Bool) {
        if on { bits |= 1 << UInt64(knob.rawValue) } else { bits &= ~(1 << UInt64(knob.rawValue)) }
        overrides.removeAll { $0.knob == knob }
        overrides.append((knob, on))
    }

    /// True when `knob` is on.
    @inlinable public func has(_ knob: Knob) -> Bool { isSet(knob.rawValue) }

    @usableFromInline func isSet(_ bit: Int) -> Bool { bits & (1 << UInt64(bit)) != 0 }

    /// `v5.10 -gup_fast_pgmap_check` as on a `kernel` line.
    public var description: String {
        ([era.name] + overrides.map { ($0.on ? "+" : "-") + $0.knob.name }).joined(separator: " ")
    }

    public static func == (a: KernelConfig, b: KernelConfig) -> Bool {
        a.era == b.era && a.bits == b.bits
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(era)
        hasher.combine(bits)
    }
}
