import MMExplore

/// The audit behind the instrumented stores (architecture.md, "Soundness of
/// footprints"). After every step of the concurrent phase the kernel's shared state is
/// compared with what it was before the step: each object that changed must be written
/// (or updated) by the step's recorded footprint, else the access went around its
/// object's accessor and DPOR could not see it. Findings become internal errors (exit 3).
///
/// Always compared: the stores instrumented at coarse grain (page caches, DAX files,
/// pgmaps, pmem namespaces, hugetlb, TTM and P2PDMA state, file and device contents).
/// With `MMSIM_AUDIT=full` also the fine-grained ones (struct pages, memmap sections,
/// page-table entries, mms): slower, as they are larger.
extension Kernel: StepAuditor {
    /// Takes the baseline at the start of the concurrent phase.
    public func baseline() {
        checks.auditBaseline = auditDigest()
    }

    /// Compares the state after a step with the baseline.
    public func check(_ footprint: Footprint) -> [String] {
        let now = auditDigest()
        var out: [String] = []
        for (object, value) in now where checks.auditBaseline[object] != value {
            if checks.auditBaseline[object] == nil && footprintCreates(footprint, object) {
                continue
            }
            if !footprintWrites(footprint, object) { out.append(undeclared(object)) }
        }
        for (object, _) in checks.auditBaseline where now[object] == nil {
            if !footprintWrites(footprint, object) { out.append(undeclared(object)) }
        }
        checks.auditBaseline = now
        return out
    }

    /// Moves the audit's findings into the internal errors (end of an execution).
    public func absorbAuditFindings() {
        for f in log.findings { checks.internalErrors.append("audit: " + f) }
    }

    private func undeclared(_ object: ObjectID) -> String {
        "step changed \(object) (\(Obj.kindName(object))) without recording a write of it"
    }

    /// A store entry whose digest is keyed by a representative object accepts a write of
    /// any object of the kinds that stand for it (a DAX file: any of its entries).
    private func footprintWrites(_ fp: Footprint, _ object: ObjectID) -> Bool {
        let accepted = Obj.acceptedWriters(of: object)
        for i in 0..<fp.count where fp[i].kind != .read {
            if fp[i].object == object || accepted(fp[i].object) { return true }
        }
        return false
    }

    /// Whether the step wrote what creates `object`, new since the last step (a process's
    /// fields: the process table).
    private func footprintCreates(_ fp: Footprint, _ object: ObjectID) -> Bool {
        let creators = Obj.creators(of: object)
        for i in 0..<fp.count where fp[i].kind != .read && creators(fp[i].object) {
            return true
        }
        return false
    }

    /// The digest of every audited store, by object.
    private func auditDigest() -> [ObjectID: Int] {
        var out: [ObjectID: Int] = [:]
        for (i, inode) in files.inodes.all.enumerated() {
            var copy = inode
            // The lock words are the locks' own objects (Sync/Locks.swift records them).
            copy.iMmapRwsem = LockState()
            copy.hugetlbFaultMutex = LockState()
            copy.invalidateLock = LockState()
            out[Obj.pageCache(InodeID(i))] = copy.hashValue
        }
        for (f, file) in files.daxFiles.all.enumerated() { out[Obj.daxFile(f)] = file.hashValue }
        files.daxEntries.auditDigest(into: &out)
        for (i, p) in devices.pgmaps.all.enumerated() {
            out[Obj.pgmap(PgmapID(i))] = p.hashValue
        }
        for (i, p) in devices.pmems.all.enumerated() {
            out[Obj.pmemGeometry(RegionID(i))] = p.hashValue
        }
        for (i, b) in devices.pmemBound.all.enumerated() {
            out[Obj.pmemNs(RegionID(i))] = b.hashValue
        }
        for (i, p) in devices.pmemPgmap.all.enumerated() {
            out[Obj.pmemPgmap(RegionID(i))] = p.hashValue
        }
        for (i, n) in devices.pmemNextFree.all.enumerated() { out[Obj.pmemAlloc(RegionID(i))] = n }
        for (i, f) in devices.pmemFreed.all.enumerated() {
            out[Obj.pmemFreed(RegionID(i))] = f.hashValue
        }
        out[files.inodes.length] = files.inodes.all.count
        out[files.daxFiles.length] = files.daxFiles.all.count
        out[devices.pgmaps.length] = devices.pgmaps.all.count
        out[devices.pmems.length] = devices.pmems.all.count
        out[devices.pmemBound.length] = devices.pmemBound.all.count
        out[devices.pmemPgmap.length] = devices.pmemPgmap.all.count
        out[devices.pmemNextFree.length] = devices.pmemNextFree.all.count
        out[devices.pmemFreed.length] = devices.pmemFreed.all.count
        var h = hugetlbUnrecorded
        h.vmaLocks = h.vmaLocks.map { _ in LockState() }
        out[Obj.hugetlbFile(-1)] = h.hashValue
        out[Obj.bo(-1)] = drivers.ttmUnrecorded.hashValue
        out[Obj.genpool(-1)] = drivers.p2pdmaUnrecorded.hashValue
        out[Obj.fileContents] = files.contents.hashValue
        out[Obj.mountTable] = files.mountsUnrecorded.hashValue
        out[Obj.processCount] = mms.allUnrecorded.count
        let disks = files.blockDevicesUnrecorded
        out[Obj.blockDeviceList] = disks.map { "\($0.name) \($0.size)" }.hashValue
        for (i, d) in disks.enumerated() { out[Obj.blockDevice(i)] = d.fsType.hashValue }
        if checks.fullAudit {
            memory.memmap.auditDigest(into: &out)
            tables.auditDigest(into: &out)
            for m in mms.allUnrecorded { m.auditDigest(into: &out) }
            out[Obj.allocator] = memory.allocator.digest
        }
        return out
    }
}
