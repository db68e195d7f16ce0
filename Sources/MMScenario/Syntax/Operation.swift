import MMKernel

/// One op of the format with its arguments typed. Sizes are bytes (`UInt64`) written as
/// literals; addresses and stored values are `AddrExpr`s resolved at run time.
public enum Operation: Hashable, Sendable {
    /// `pmem NAME size=S [mode=] [map=] [align=]`: a persistent-memory namespace.
    case pmem(PmemArgs)
    /// `disk NAME size=S`: an ordinary block device.
    case disk(DiskArgs)
    /// `mkfs DEV ext4|xfs`.
    case mkfs(MkfsArgs)
    /// `mount DEV PATH [dax]`.
    case mount(MountArgs)
    /// `file PATH size=S [layout=] [uncached]`.
    case file(FileArgs)
    /// `hugetlbfs PATH`: a hugetlbfs mount with 2M pages.
    case hugetlbfs(path: String)
    /// `process NAME`: a process with its own mm.
    case process(name: String)
    /// `dmabuf NAME size=S [backing=] [huge]`: a TTM buffer exported as a dma-buf.
    case dmabuf(DmabufArgs)
    /// `p2pmem NAME size=S`: PCI BAR memory registered for P2PDMA.
    case p2pmem(P2PMemArgs)
    /// `mmap TARGET len=S ...`: the address, or -errno.
    case mmap(MmapArgs)
    /// `munmap ADDR len=S`: 0 or -errno.
    case munmap(RangeArgs)
    /// `mremap ADDR len=S to=ADDR`: the new address or -errno.
    case mremap(MremapArgs)
    /// `mprotect ADDR len=S prot=P`: 0 or -errno.
    case mprotect(MprotectArgs)
    /// `madvise ADDR len=S ADVICE`: 0 or -errno.
    case madvise(MadviseArgs)
    /// `fork`: the child process (a variable holding it can prefix statements).
    case fork
    /// `load ADDR`: the value, or a signal.
    case load(address: AddrExpr)
    /// `store ADDR value=V`: 0, or a signal.
    case store(StoreArgs)
    /// `touch ADDR len=S [write]`: fault every page of the range in; 0, or a signal.
    case touch(TouchArgs)
    /// `gup ADDR pages=N flags...`: pages taken, or -errno; the thread holds them.
    case gup(GupArgs)
    /// `unpin`: unpin_user_pages() on what the thread holds from `gup ... pin`.
    case unpin
    /// `put`: put_page() on what the thread holds from `gup` without `pin`.
    case put
    /// `dio_read SOURCE into=ADDR len=S`: O_DIRECT read into user memory; bytes or -errno.
    case dioRead(DirectIOArgs)
    /// `dio_write TARGET from=ADDR len=S`: O_DIRECT write from user memory; bytes or -errno.
    case dioWrite(DirectIOArgs)
    /// `process_vm_readv PROC ADDR len=S`: bytes, or -errno.
    case processVMReadv(ProcessVMReadvArgs)
    /// `memwrite PROC ADDR value=V`: a word written through /proc/PROC/mem (FOLL_FORCE);
    /// 8, or -errno.
    case memWrite(MemWriteArgs)
    /// `truncate PATH size=S`: 0 or -errno.
    case truncate(TruncateArgs)
    /// `punch PATH offset=S len=S`: fallocate(PUNCH_HOLE); 0 or -errno.
    case punch(PunchArgs)
    /// `unbind DEV`: the driver lets go of the device; 0 or -errno.
    case unbind(device: String)
    /// `bind DEV`: the driver takes the device again; 0 or -errno.
    case bind(device: String)
    /// `free NAME`: drop the owner's reference to a dma-buf / p2pmem allocation.
    case free(BufferRef)
    /// `evict NAME`: the driver revokes a VRAM dma-buf's pfns (TTM eviction); 0 or -errno.
    case evict(dmabuf: String)
    /// `alloc_pages N`: allocate and hold N frames, so freed frames get reused.
    case allocPages(count: Int)
    /// `khugepaged ADDR len=S`: khugepaged collapses the range now; 0 or -errno.
    case khugepaged(RangeArgs)
    /// `migrate ADDR len=S`: move_pages(2) of the range's anonymous pages to new frames;
    /// the number of pages left in place, or -errno.
    case migrate(RangeArgs)
    /// `observe ADDR`: record the mapping level, smaps counters and pagemap entry.
    case observe(address: AddrExpr)
    /// `assert COND`: a false condition is a violation `assert`.
    case assert(Condition)

    /// The op's name as written in a test.
    public var name: String {
        switch self {
        case .pmem: return "pmem"
        case .disk: return "disk"
        case .mkfs: return "mkfs"
        case .mount: return "mount"
        case .file: return "file"
        case .hugetlbfs: return "hugetlbfs"
        case .process: return "process"
        case .dmabuf: return "dmabuf"
        case .p2pmem: return "p2pmem"
        case .mmap: return "mmap"
        case .munmap: return "munmap"
        case .mremap: return "mremap"
        case .mprotect: return "mprotect"
        case .madvise: return "madvise"
        case .fork: return "fork"
        case .load: return "load"
        case .store: return "store"
        case .touch: return "touch"
        case .gup: return "gup"
        case .unpin: return "unpin"
        case .put: return "put"
        case .dioRead: return "dio_read"
        case .dioWrite: return "dio_write"
        case .processVMReadv: return "process_vm_readv"
        case .memWrite: return "memwrite"
        case .truncate: return "truncate"
        case .punch: return "punch"
        case .unbind: return "unbind"
        case .bind: return "bind"
        case .free: return "free"
        case .evict: return "evict"
        case .allocPages: return "alloc_pages"
        case .khugepaged: return "khugepaged"
        case .migrate: return "migrate"
        case .observe: return "observe"
        case .assert: return "assert"
        }
    }
}

/// `pmem` arguments. Unset options are nil: their default is the era's (the runner's call).
public struct PmemArgs: Hashable, Sendable {
    /// The device name (`pmem0`).
    public let name: String
    /// Capacity in bytes (a positive multiple of 4K, and of `align`).
    public let size: UInt64
    /// `mode=`; nil means fsdax.
    public let mode: PmemMode?
    /// `map=`; nil means the era's default (none before v4.5, mem after).
    public let map: PmemMap?
    /// `align=`: 4K, 2M or 1G.
    public let align: UInt64?
    /// The region number: pmem statements are numbered from 0 in source order, and a
    /// `mode=devdax` namespace on region N is `/dev/daxN.0`.
    public let region: Int
}

/// `mode=` of a pmem namespace.
public enum PmemMode: String, Hashable, Sendable, CaseIterable {
    /// A block device that supports fs-dax.
    case fsdax
    /// A character device `/dev/daxN.0`, no block device.
    case devdax
    /// A plain block device (legacy "raw" mode; no memmap reservation).
    case raw
}

/// `map=` of a pmem namespace: where its struct pages live.
public enum PmemMap: String, Hashable, Sendable, CaseIterable {
    /// Memmap in DRAM.
    case mem
    /// Memmap on the device itself.
    case dev
    /// No struct pages (the pre-v4.5 situation).
    case none
}

/// `disk` arguments.
public struct DiskArgs: Hashable, Sendable {
    /// The device name.
    public let name: String
    /// Capacity in bytes (a positive multiple of 4K).
    public let size: UInt64
}

/// `mkfs` arguments.
public struct MkfsArgs: Hashable, Sendable {
    /// A `pmem` or `disk` name.
    public let device: String
    /// The filesystem.
    public let filesystem: FilesystemType
}

/// A filesystem `mkfs` can make.
public enum FilesystemType: String, Hashable, Sendable, CaseIterable {
    /// ext4.
    case ext4
    /// XFS.
    case xfs
}

/// `mount` arguments.
public struct MountArgs: Hashable, Sendable {
    /// A `pmem` or `disk` name that has a filesystem.
    public let device: String
    /// The mount point (absolute).
    public let path: String
    /// `dax`: mount with -o dax (pmem only).
    public let dax: Bool
}

/// `file` arguments.
public struct FileArgs: Hashable, Sendable {
    /// Absolute path under a mount point.
    public let path: String
    /// Size in bytes (a positive multiple of 4K; of 2M on hugetlbfs).
    public let size: UInt64
    /// `layout=` (MMKernel's `FileLayout`); nil means the filesystem's choice.
    public let layout: FileLayout?
    /// `uncached`: the written pages were dropped from the page cache (POSIX_FADV_DONTNEED),
    /// so the first access reads them in; without it they stay cached after the write.
    public var uncached = false
}

/// `dmabuf` arguments.
public struct DmabufArgs: Hashable, Sendable {
    /// The buffer name (`dmabuf:NAME` maps it).
    public let name: String
    /// Size in bytes (a positive multiple of 4K).
    public let size: UInt64
    /// `backing=`; nil means system.
    public let backing: DmabufBacking?
    /// `huge`: TTM may map it with huge PMDs.
    public let huge: Bool
}

/// Where a TTM buffer lives.
public enum DmabufBacking: String, Hashable, Sendable, CaseIterable {
    /// System memory pages (struct pages the driver owns and recycles).
    case system
    /// Device VRAM behind a BAR (no struct pages).
    case vram
}

/// `p2pmem` arguments.
public struct P2PMemArgs: Hashable, Sendable {
    /// The allocation's name (`p2pmem:NAME` maps it).
    public let name: String
    /// Size in bytes (a positive multiple of 4K).
    public let size: UInt64
}

/// What `mmap` maps.
public enum MmapTarget: Hashable, Sendable {
    /// `anon`: anonymous memory.
    case anon
    /// A file created by `file` (on a mounted filesystem or hugetlbfs).
    case file(String)
    /// `/dev/daxN.M`: device-dax namespace M of region N (M is always 0).
    case devDax(region: Int, index: Int)
    /// `/dev/mem`: `offset=` is the physical address (remap_pfn_range, VM_PFNMAP|VM_IO).
    case devMem
    /// `dmabuf:NAME`.
    case dmabuf(String)
    /// `p2pmem:NAME`.
    case p2pmem(String)
    /// `packet_ring`: an AF_PACKET socket's RX ring (packet_mmap, vm_insert_page).
    case packetRing
}

/// Where `mmap` places the mapping.
public enum Placement: Hashable, Sendable {
    /// Wherever the kernel's get_unmapped_area puts it.
    case anywhere
    /// `align=S`: at an address aligned to S (a power of two, at least 4K).
    case aligned(UInt64)
    /// `at=ADDR`: exactly there (MAP_FIXED_NOREPLACE: -EEXIST if taken).
    case at(AddrExpr)
}

/// `mmap` arguments.
public struct MmapArgs: Hashable, Sendable {
    /// What to map.
    public let target: MmapTarget
    /// Length in bytes (positive).
    public let len: UInt64
    /// `prot=`; default rw.
    public let prot: Protection
    /// MAP_SHARED (`shared`, or implied by `sync`); false is MAP_PRIVATE, the default.
    public let shared: Bool
    /// `populate`: MAP_POPULATE.
    public let populate: Bool
    /// `sync`: MAP_SHARED_VALIDATE|MAP_SYNC.
    public let sync: Bool
    /// `align=` / `at=` / neither.
    public let placement: Placement
    /// `offset=` in bytes (the physical address for `/dev/mem`); default 0.
    public let offset: UInt64
}

/// An address range: `munmap ADDR len=S`.
public struct RangeArgs: Hashable, Sendable {
    /// Start.
    public let address: AddrExpr
    /// Length in bytes (positive).
    public let len: UInt64
}

/// `mremap ADDR len=S to=ADDR` arguments (MREMAP_MAYMOVE|MREMAP_FIXED, same length).
public struct MremapArgs: Hashable, Sendable {
    /// Old start.
    public let address: AddrExpr
    /// Length in bytes (positive), old and new.
    public let len: UInt64
    /// New start.
    public let to: AddrExpr
}

/// `mprotect` arguments.
public struct MprotectArgs: Hashable, Sendable {
    /// Start.
    public let address: AddrExpr
    /// Length in bytes (positive).
    public let len: UInt64
    /// The new protection (required).
    public let prot: Protection
}

/// `madvise` arguments.
public struct MadviseArgs: Hashable, Sendable {
    /// Start.
    public let address: AddrExpr
    /// Length in bytes (positive).
    public let len: UInt64
    /// The advice: exactly one (MMKernel's `MadviseAdvice`).
    public let advice: MadviseAdvice
}

/// `store` arguments.
public struct StoreArgs: Hashable, Sendable {
    /// Where.
    public let address: AddrExpr
    /// `value=`: a literal or a variable ± literals.
    public let value: AddrExpr
}

/// `touch` arguments.
public struct TouchArgs: Hashable, Sendable {
    /// Start.
    public let address: AddrExpr
    /// Length in bytes (positive).
    public let len: UInt64
    /// `write`: write faults instead of read faults.
    public let write: Bool
}

/// `gup` arguments.
public struct GupArgs: Hashable, Sendable {
    /// Start.
    public let address: AddrExpr
    /// `pages=N` (positive).
    public let pages: Int
    /// The FOLL_* flags and the entry point.
    public let flags: GupFlags
}

/// The flags of `gup`.
public struct GupFlags: Hashable, Sendable {
    /// `fast`: get_user_pages_fast / pin_user_pages_fast (lockless walk, may fall back).
    public var fast: Bool = false
    /// `write`: FOLL_WRITE.
    public var write: Bool = false
    /// `pin`: FOLL_PIN (released with `unpin`); otherwise FOLL_GET (released with `put`).
    public var pin: Bool = false
    /// `longterm`: FOLL_LONGTERM.
    public var longterm: Bool = false
    /// `p2pdma`: FOLL_PCI_P2PDMA.
    public var p2pdma: Bool = false
    /// `nowait`: FOLL_NOWAIT (slow path only).
    public var nowait: Bool = false

    /// No flags.
    public init() {}
}

/// What an O_DIRECT op reads from or writes to.
public enum IOTarget: Hashable, Sendable {
    /// A file created by `file`.
    case file(String)
    /// A `disk` or `pmem` block device, written `NAME` or `/dev/NAME`.
    case device(String)
}

/// `dio_read` / `dio_write` arguments.
public struct DirectIOArgs: Hashable, Sendable {
    /// The file or block device.
    public let target: IOTarget
    /// The user buffer: `into=` for dio_read, `from=` for dio_write.
    public let buffer: AddrExpr
    /// Length in bytes (positive).
    public let len: UInt64
    /// `offset=` in the file or device; default 0.
    public let offset: UInt64
}

/// `process_vm_readv` arguments.
public struct ProcessVMReadvArgs: Hashable, Sendable {
    /// The process read from.
    public let process: ProcessRef
    /// The remote address.
    public let address: AddrExpr
    /// Length in bytes (positive).
    public let len: UInt64
}

/// `memwrite` arguments.
public struct MemWriteArgs: Hashable, Sendable {
    /// The process whose memory is written (its /proc/PID/mem).
    public let process: ProcessRef
    /// The address in that process.
    public let address: AddrExpr
    /// The word written.
    public let value: AddrExpr
}

/// `truncate` arguments.
public struct TruncateArgs: Hashable, Sendable {
    /// A file created by `file`.
    public let path: String
    /// The new size in bytes (0 allowed).
    public let size: UInt64
}

/// `punch` arguments.
public struct PunchArgs: Hashable, Sendable {
    /// A file created by `file`.
    public let path: String
    /// Start of the hole in bytes.
    public let offset: UInt64
    /// Length of the hole in bytes (positive).
    public let len: UInt64
}

/// A buffer `free` drops.
public enum BufferRef: Hashable, Sendable {
    /// A `dmabuf` name.
    case dmabuf(String)
    /// A `p2pmem` name.
    case p2pmem(String)
}

/// Every `layout=` value, in documentation order.
let fileLayouts: [FileLayout] = [.contiguous, .fragmented, .hole]

/// Every madvise advice the format accepts, in documentation order.
let madviseAdvices: [MadviseAdvice] = [.dontneed, .hugepage, .nohugepage, .populateRead,
                                       .populateWrite,
                                        .free, .pageout, .collapse]
