/// What backs a vma, and so which vm_ops it has.
public enum VMABacking: Hashable, Sendable {
    /// Anonymous memory (no vm_ops).
    case anon
    /// A regular file with a page cache (filemap vm_ops), by inode number.
    case file(inode: InodeID)
    /// /dev/mem: mmap_mem() → remap_pfn_range (drivers/char/mem.c).
    case devMem
    /// A file on a filesystem mounted with `-o dax` (ext4_dax_vm_ops / xfs_file_vm_ops
    /// with IS_DAX): faults go to dax_iomap_fault (fs/dax.c), by inode number.
    case fsDax(inode: InodeID)
    /// A device-dax character device /dev/daxN.0 (drivers/dax/device.c), by pmem region.
    case devDax(region: RegionID)
    /// A dma-buf exported from a TTM buffer object (ttm_bo_vm_ops), by BO index.
    case dmabuf(bo: Int)
    /// An AF_PACKET socket's RX ring, mapped by packet_mmap() with vm_insert_page.
    case packetRing
    /// A PCI P2PDMA provider's sysfs `p2pmem/allocate` file (p2pmem_alloc_mmap), by index.
    case p2pmem(provider: Int)
    /// A file on a hugetlbfs mount (hugetlb_vm_ops, VM_HUGETLB), by inode number
    /// (Hugetlb/).
    case hugetlb(inode: InodeID)
}

/// A modelled `struct vm_area_struct`: a value in its MM's sorted array.
public struct VMA: Hashable, Sendable {
    /// First address.
    public var start: UInt64
    /// One past the last address.
    public var end: UInt64
    /// vm_flags.
    public var flags: VMFlags
    /// vm_pgoff: file offset in pages (for PFNMAP: the first pfn).
    public var pgoff: UInt64
    /// What backs it.
    public var backing: VMABacking
    /// Whether an anon_vma is linked (a private page was faulted in): fork must copy the
    /// range. Readable only through `MM.hasAnonVMA(_:)`, which records the read.
    public var anonVMA = AnonVMAMark()
    /// The hugetlb vma lock (vm_private_data, v6.1+), an index into
    /// `Kernel.hugetlb.vmaLocks`; -1 when the vma has none.
    public var hugetlbVmaLock: Int32 = -1

    /// Length in bytes.
    public var length: UInt64 { end - start }

    /// Models vma_is_anonymous(): no vm_ops.
    public var isAnonymous: Bool { backing == .anon }

    /// Models vma_is_dax(): an fs-dax file or a device-dax mapping.
    public var isDax: Bool {
        if case .fsDax = backing { return true }
        if case .devDax = backing { return true }
        return false
    }

    /// Models vma_is_fsdax(): DAX on a regular file (not device-dax).
    public var isFsDax: Bool {
        if case .fsDax = backing { return true }
        return false
    }

    /// Models vma_wants_writenotify() for the modelled vm_ops: a shared mapping whose
    /// vm_ops have page_mkwrite/pfn_mkwrite (page-cache files, fs-dax). Device-dax and
    /// the PFN-map drivers have none.
    public var wantsWriteNotify: Bool {
        guard flags.contains(.shared) else { return false }
        if case .file = backing { return true }
        if case .fsDax = backing { return true }
        return false
    }

    /// File page index of `addr` (linear_page_index()).
    @inline(__always) public func pageIndex(_ addr: UInt64) -> UInt64 {
        ((addr - start) >> 12) + pgoff
    }

    /// Models vm_get_page_prot() (mm/mmap.c, x86 protection_map): the entry bits of a new
    /// mapping. Private writable mappings are mapped read-only until a write fault (COW).
    public var pageProt: UInt64 {
        if !flags.contains(.read) && !flags.contains(.write) && !flags.contains(.exec) {
            return PTEBits.protnone | PTEBits.accessed
        }
        var prot = PTEBits.present | PTEBits.user | PTEBits.accessed
        if flags.contains(.write) && flags.contains(.shared) { prot |= PTEBits.rw }
        if !flags.contains(.exec) { prot |= PTEBits.nx }
        return prot
    }
}
