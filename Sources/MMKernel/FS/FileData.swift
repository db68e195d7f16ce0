/// What files and block devices contain, as far as tests can observe: 8-byte words by
/// byte offset. Page-cache pages are filled from here when read in, written back here
/// before direct I/O reads the file, and direct I/O writes land here.
///
/// Instrumented: each 4K page of a file's or device's contents is object
/// `Obj.storedPage(store, page)`; these accessors are the only way to the words.
extension Kernel {
    /// The word at `offset` of `store`.
    func storedWord(_ store: DataStore, _ offset: UInt64) -> UInt64 {
        log.read(Obj.storedPage(store, offset >> 12))
        switch store {
        case .file(let inode): return fileData[inode]?[offset & ~7] ?? 0
        case .device(let dev): return deviceData[dev]?[offset & ~7] ?? 0
        }
    }

    /// Stores a word at `offset` of `store` (0 removes it: unwritten reads as zero).
    func storeWord(_ store: DataStore, _ offset: UInt64, _ value: UInt64) {
        log.write(Obj.storedPage(store, offset >> 12))
        switch store {
        case .file(let inode): fileData[inode, default: [:]][offset & ~7] = value == 0 ? nil : value
        case .device(let dev): deviceData[dev, default: [:]][offset & ~7] = value == 0 ? nil : value
        }
    }

    /// The stored words of `store` in `[offset, offset+len)`, by offset.
    func storedWords(_ store: DataStore, _ offset: UInt64, _ len: UInt64) -> [(UInt64, UInt64)] {
        if len > 0 && log.isActive {
            for page in (offset >> 12)...((offset + len - 1) >> 12) { log.read(Obj.storedPage(store, page)) }
        }
        let words: [UInt64: UInt64]
        switch store {
        case .file(let inode): words = fileData[inode] ?? [:]
        case .device(let dev): words = deviceData[dev] ?? [:]
        }
        return words.filter { $0.key >= offset && $0.key < offset + len }.map { ($0.key, $0.value) }
    }

    /// The user-visible words of frame `pfn` (offset in page → value).
    func frameWords(_ pfn: Pfn) -> [(UInt64, UInt64)] {
        log.read(Obj.frame(pfn))  // which words the frame holds is its contents too
        let base = pfn.physAddr
        return data.keys.filter { $0 >= base && $0 < base + PAGE_SIZE }
            .map { ($0 - base, readPhys($0)) }
    }

    /// Models filemap_write_and_wait_range() for the words of cached pages: what user
    /// stores put in the page cache reaches the file before direct I/O reads it.
    func writebackFileRange(inode: Int, _ offset: UInt64, _ len: UInt64) {
        let first = Int(offset >> 12), last = Int((offset + len - 1) >> 12)
        for index in first...last where index < inodes[inode].cache.count {
            guard let pfn = inodes[inode].cached(index) else { continue }
            for (off, v) in frameWords(pfn) { storeWord(.file(inode), UInt64(index) << 12 | off, v) }
        }
    }
}

/// Where file or device contents live.
public enum DataStore: Hashable, Sendable {
    /// A regular file, by inode.
    case file(Int)
    /// A block device, by index.
    case device(Int)
}
