import MMExplore

/// The mapping xarray of every DAX file (fs/dax.c's entries in `mapping->i_pages`), kept
/// apart from the files' block maps and reached only through the accessors below, which
/// record what they touch at the xarray's own grain: a PTE entry is one index
/// (`Obj.daxPte`), a PMD entry one multi-order entry over 512 indices (`Obj.daxPmd`).
/// So a fault locking the entry of index 0 conflicts with a lookup of index 1 only when
/// one of them changes whether a PMD entry covers both — as two faults on different
/// indices of one file only contend on the xarray when a PMD entry is involved. Entry
/// values: `pfn << 4 | LOCKED 1 | PMD 2 | ZERO 4 | EMPTY 8` (`DaxEntryBits`); a PMD entry
/// lives at its 512-aligned index. The number of indices (the file's size in pages)
/// belongs to the file (`Obj.daxFile`), which truncate writes.
struct DaxXArray {
    /// Entries by DAX file, then page index.
    private var cells: [[UInt64]] = []
    /// Where accesses are recorded.
    private let log: AccessLog

    /// No files yet.
    init(log: AccessLog) { self.log = log }

    /// Adds the entries of DAX file `f` (just appended to `FileSystems.daxFiles`, which
    /// records the file's creation): `pages` empty indices.
    mutating func addFile(_ f: Int, pages: Int) {
        precondition(f == cells.count, "DAX files are added in order")
        cells.append(Array(repeating: 0, count: pages))
    }

    /// The number of indices of file `f` (records a read of the file: truncate changes it).
    func count(_ f: Int) -> Int {
        log.read(Obj.daxFile(f))
        return cells[f].count
    }

    /// Models xas_load() of index `slot` (lib/xarray.c): the entry there, recording a read
    /// of the index and, at a 512-aligned index, of the PMD entry that may live there.
    func entry(_ f: Int, _ slot: Int) -> UInt64 {
        log.read(Obj.daxPte(f, slot))
        if slot & 511 == 0 { log.read(Obj.daxPmd(f, slot >> 9)) }
        return cells[f][slot]
    }

    /// Models the multi-order lookup dax_is_pmd_entry(xas_load()) of `index`: the PMD
    /// entry covering it, or 0 when none does; records a read of the PMD entry only.
    func pmdEntry(_ f: Int, covering index: Int) -> UInt64 {
        let aligned = index & ~511
        log.read(Obj.daxPmd(f, aligned >> 9))
        let e = cells[f][aligned]
        return e & DaxEntryBits.pmd != 0 ? e : 0
    }

    /// Models xas_store() at `slot` (an order-9 store for a PMD entry): records a write of
    /// the index, and of the PMD entry when the old or the new value is one.
    mutating func set(_ f: Int, _ slot: Int, _ value: UInt64) {
        log.write(Obj.daxPte(f, slot))
        if (cells[f][slot] | value) & DaxEntryBits.pmd != 0 {
            log.write(Obj.daxPmd(f, slot >> 9))
        }
        cells[f][slot] = value
    }

    /// Truncates or extends file `f` to `pages` indices (i_size_write; new ones empty):
    /// records a write of the file, which every bounds check reads.
    mutating func resize(_ f: Int, pages: Int) {
        log.write(Obj.daxFile(f))
        let old = cells[f].count
        if pages < old {
            cells[f].removeLast(old - pages)
        } else {
            cells[f].append(contentsOf: repeatElement(0, count: pages - old))
        }
    }

    /// The audit's digest: each index holding an entry, and each PMD entry, by the
    /// objects the accessors record (an empty index has no key: an entry appearing or
    /// going away changes the digest as a changed value does).
    func auditDigest(into out: inout [ObjectID: Int]) {
        for (f, file) in cells.enumerated() {
            for (i, e) in file.enumerated() where e != 0 {
                out[Obj.daxPte(f, i)] = Int(truncatingIfNeeded: e)
                if e & DaxEntryBits.pmd != 0 {
                    out[Obj.daxPmd(f, i >> 9)] = Int(truncatingIfNeeded: e)
                }
            }
        }
    }
}
