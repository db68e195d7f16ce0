import MMExplore

/// A lock of the model. Its state lives next to what it protects (flat arrays, no
/// dictionary on the fault path): a split PTL in the table store, mmap_lock in the MM.
public enum LockID: Hashable, Sendable {
    /// The split page-table lock of a table page (pte_lockptr / pmd_lockptr).
    case ptl(slot: Int)
    /// A process's mmap_lock (an rwsem).
    case mmap(mm: Int)
    /// A file's i_mmap_rwsem.
    case iMmap(inode: Int)

    /// The object the explorer sees for this lock.
    var object: ObjectID {
        switch self {
        case .ptl(let slot): return Obj.ptl(slot)
        case .mmap(let mm): return Obj.mmapLock(mm)
        case .iMmap(let inode): return Obj.iMmap(inode)
        }
    }
}

/// Reader/writer state of one lock: writer is the holder's thread index or -1.
public struct LockState: Hashable, Sendable {
    /// Thread index of the exclusive holder, -1 when none.
    public var writer: Int32 = -1
    /// Number of shared holders.
    public var readers: Int32 = 0
}

extension Kernel {
    @inline(__always) func lockState(_ id: LockID) -> LockState {
        switch id {
        case .ptl(let slot): return tables.locks[slot]
        case .mmap(let mm): return mms[mm].mmapLock
        case .iMmap(let inode): return inodes[inode].iMmapRwsem
        }
    }

    @inline(__always) func setLockState(_ id: LockID, _ state: LockState) {
        switch id {
        case .ptl(let slot): tables.locks[slot] = state
        case .mmap(let mm): mms[mm].mmapLock = state
        case .iMmap(let inode): inodes[inode].iMmapRwsem = state
        }
    }

    /// Takes `id` exclusively, waiting while anyone holds it. Models spin_lock()
    /// (kernel/locking/spinlock.c) for PTLs and down_write() (kernel/locking/rwsem.c)
    /// for rwsems; a spinning CPU is modelled as waiting for the release.
    func lock(_ t: KTask, _ id: LockID) async {
        while true {
            await t.step(id.object, .write)
            var s = lockState(id)
            if s.writer < 0 && s.readers == 0 {
                s.writer = Int32(t.exec.index)
                setLockState(id, s)
                if case .ptl = id { t.spinlocksHeld += 1 }
                return
            }
            await t.exec.block(on: id.object)
        }
    }

    /// Releases an exclusive hold. Models spin_unlock() / up_write().
    func unlock(_ t: KTask, _ id: LockID) async {
        await t.step(id.object, .write)
        var s = lockState(id)
        s.writer = -1
        setLockState(id, s)
        if case .ptl = id { t.spinlocksHeld -= 1 }
        t.exec.wake(id.object)
    }

    /// Takes an rwsem shared. Models down_read() (kernel/locking/rwsem.c). Readers are
    /// declared as reads of the lock: two readers commute (whatever their order, both hold
    /// it), while any writer's acquire or release conflicts with them.
    func lockShared(_ t: KTask, _ id: LockID) async {
        while true {
            await t.step(id.object, .read)
            var s = lockState(id)
            if s.writer < 0 {
                s.readers += 1
                setLockState(id, s)
                return
            }
            await t.exec.block(on: id.object)
        }
    }

    /// Releases a shared hold. Models up_read().
    func unlockShared(_ t: KTask, _ id: LockID) async {
        await t.step(id.object, .read)
        var s = lockState(id)
        s.readers -= 1
        setLockState(id, s)
        if s.readers == 0 { t.exec.wake(id.object) }
    }
}
