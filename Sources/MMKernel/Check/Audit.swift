/// The end-of-execution reference audit: after every process exited, each frame's
/// refcount must be back at its baseline (architecture.md, `refcount-leak`).
extension Kernel {
    /// Reports `refcount-leak` for every frame still referenced beyond its owner's
    /// baseline: a free frame 0, a page-cache page 1 (the cache's own reference) with no
    /// mapping, the zero pages their boot reference; page-table pages and anonymous pages
    /// must all be gone. At most `limit` frames are named.
    public func auditReferences(limit: Int = 4) {
        var leaks: [String] = []
        var count = 0
        for pfn in memory.allocator.usedRanges.joined() {
            let p = page(pfn)
            if p.flags.contains(.tail) || p.flags.contains(.free) { continue }
            var baseline: Int32 = 0
            if p.flags.contains(.reserved) { baseline = 1 }
            if p.flags.contains(.pageCache) { baseline = 1 }
            if p.flags.contains(.harness) { continue }
            if p.refcount != baseline || p.mapcount != 0 || p.entireMapcount != 0 {
                count += 1
                if leaks.count < limit {
                    let kind = p.flags.contains(.table) ? "page-table page"
                        : p.flags.contains(.anon) ? "anon page"
                        : p.flags.contains(.pageCache) ? "page-cache page" : "page"
                    leaks.append("\(kind) pfn \(hex(pfn)) refcount \(p.refcount) "
                                 + "(baseline \(baseline)), mapcount \(p.mapcount)")
                }
            }
        }
        if count > 0 {
            let more = count > leaks.count ? " (+\(count - leaks.count) more)" : ""
            report(.refcountLeak, leaks.joined(separator: "; ") + more, on: "exit")
        }
    }

    /// Models the test harness holding `n` frames (`alloc_pages N`): frames freed
    /// earlier are handed out again, so what they held is overwritten. Returns the pfns.
    public func harnessAlloc(_ t: KTask, _ n: Int) async -> [Pfn] {
        var out: [Pfn] = []
        for _ in 0..<n {
            guard let pfn = await allocPages(t) else { break }
            withState(pfn) { $0.flags.insert(.harness) }
            writePhys(pfn.physAddr, 0x4841524e455353)  // the new owner writes to it
            out.append(pfn)
        }
        return out
    }
}

extension Kernel {
    /// The harness drops a frame it held (end of execution).
    public func releaseHarnessPage(_ t: KTask, _ pfn: Pfn) async {
        withState(pfn) { $0.flags.remove(.harness) }
        await putPage(t, pfn)
    }
}
