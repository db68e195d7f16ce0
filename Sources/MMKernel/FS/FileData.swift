/// What files and block devices contain, as far as tests can observe: 8-byte words by
/// byte offset. Page-cache pages are filled from here when read in, written back here
/// before direct I/O reads the file, and direct I/O writes land here.
///
/// Instrumented: each 4K page of a file's or device's contents is object
/// `Obj.storedPage(store, page)`; these accessors are the only way to the words.
struct StoredContents: Hashable {
    /// File contents by inode, then byte offset.
    private var files: [InodeID: [UInt64: UInt64]] = [:]
    /// Block-device contents by device, then byte offset.
    private var devices: [Int: [UInt64: UInt64]] = [:]

    /// The words of `store` by offset.
    fileprivate func words(_ store: DataStore) -> [UInt64: UInt64] {
        switch store {
        case .file(let inode): return files[inode] ?? [:]
        case .device(let dev): return devices[dev] ?? [:]
        }
    }

    /// The word at the 8-byte aligned `offset` of `store`.
    fileprivate func word(_ store: DataStore, _ offset: UInt64) -> UInt64 {
        switch store {
        case .file(let inode): return files[inode]?[offset] ?? 0
        case .device(let dev): return devices[dev]?[offset] ?? 0
        }
    }

    /// Sets or (nil) removes the word at the 8-byte aligned `offset` of `store`.
    fileprivate mutating func set(_ store: DataStore, _ offset: UInt64, _ value: UInt64?) {
        switch store {
        case .file(let inode): files[inode, default: [:]][offset] = value
        case .device(let dev): devices[dev, default: [:]][offset] = value
        }
    }
}

extension Kernel {
    /// The word at `offset` of `store`.
    private func storedWord(_ store: DataStore, _ offset: UInt64) -> UInt64 {
        log.read(Obj.storedPage(store, offset >> 12))
        return files.contents.word(store, offset & ~7)
    }

    /// Stores a word at `offset` of `store` (0 removes it: unwritten reads as zero).
    func storeWord(_ store: DataStore, _ offset: UInt64, _ value: UInt64) {
        log.write(Obj.storedPage(store, offset >> 12))
        files.contents.set(store, offset & ~7, value == 0 ? nil : value)
    }

    /// The stored words of `store` in `[offset, offset+len)`, by offset.
    func storedWords(_ store: DataStore, _ offset: UInt64, _ len: UInt64) -> [(UInt64, UInt64)] {
        if len > 0 && log.isActive {
            for page in (offset >> 12)...((offset + len - 1) >> 12) {
                log.read(Obj.storedPage(store, page))
            }
        }
        return files.contents.words(store).filter { $0.key >= offset && $0.key < offset + len }
            .map { ($0.key, $0.value) }
    }

    /// Models filemap_write_and_wait_range() for the words of cached pages: what user
    /// stores put in the page cache reaches the file before direct I/O reads it.
    func writebackFileRange(inode: InodeID, _ offset: UInt64, _ len: UInt64) {
        let first = Int(offset >> 12), last = Int((offset + len - 1) >> 12)
        for index in first...last where index < files.inodes[inode].cache.count {
            guard let pfn = files.inodes[inode].cached(index) else { continue }
            for (off, v) in frameWords(pfn) {
                storeWord(.file(inode), UInt64(index) << 12 | off, v)
            }
        }
    }
}

/// Where file or device contents live.
public enum DataStore: Hashable, Sendable {
    /// A regular file, by inode.
    case file(InodeID)
    /// A block device, by index.
    case device(Int)
}
