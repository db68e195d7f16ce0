/// An AF_PACKET socket's RX ring (net/packet/af_packet.c): a VM_MIXEDMAP driver whose
/// mapping is made of ordinary kernel pages — the oracle's "packet" target.
extension Kernel {
    /// Models packet_set_ring() + packet_mmap() (net/packet/af_packet.c): the ring's
    /// pages come from the page allocator (alloc_pg_vec) and belong to the socket; mmap
    /// inserts every one with vm_insert_page(), which sets VM_MIXEDMAP and installs
    /// normal, refcounted PTEs. The socket keeps its own reference until it is closed
    /// at exit. Returns 0 or -errno.
    func packetMmap(_ t: KTask, mm: MMID, _ vma: inout VMA) async -> Int {
        guard vma.pgoff == 0 else { return -Errno.EINVAL }
        var addr = vma.start
        while addr < vma.end {
            guard let pfn = await allocPages(t) else { return -Errno.ENOMEM }
            drivers.socketPages.append(pfn)
            let r = await vmInsertPage(t, mm: mm, &vma, addr, pfn: pfn)
            if r != 0 { return r }
            addr += PAGE_SIZE
        }
        t.exec.note("packet_mmap: \(vma.length >> 12) ring pages at \(hex(vma.start))")
        return 0
    }

    /// Models packet_release() → free_pg_vec(): the sockets close at exit and drop their
    /// ring pages' references.
    public func closeSockets(_ t: KTask) async {
        for pfn in drivers.socketPages { await putPage(t, pfn) }
        drivers.socketPages.removeAll()
    }
}
