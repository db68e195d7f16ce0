import MMExplore

/// A lock of the model. Its state lives next to what it protects (flat arrays, no
/// dictionary on the fault path): a split PTL in the table store, mmap_lock in the MM.
public enum LockID: Hashable, Sendable {
    /// The split page-table lock of a table page (pte_lockptr / pmd_lockptr).
    case ptl(slot: TableSlot)
    /// A process's mmap_lock (an rwsem).
    case mmap(mm: MMID)
    /// A file's i_mmap_rwsem.
    case iMmap(inode: InodeID)
    /// A hugetlb vma lock (an rwsem, v6.1+), by index in `Kernel.hugetlb.vmaLocks`.
    case hugetlbVma(lock: Int)
    /// The hugetlb fault mutex of a hugetlbfs file (hugetlb_fault_mutex_table, hashed by
    /// mapping and index in the kernel; one per file here), by inode.
    case hugetlbFault(inode: InodeID)
    /// A file's mapping->invalidate_lock (an rwsem, v5.15+; ext4's i_mmap_sem and XFS's
    /// XFS_MMAPLOCK before), by inode.
    case invalidate(inode: InodeID)

    /// The object the explorer sees for this lock.
    var object: ObjectID {
        switch self {
        case .ptl(let slot): return Obj.ptl(slot)
        case .mmap(let mm): return Obj.mmapLock(mm)
        case .iMmap(let inode): return Obj.iMmap(inode)
        case .hugetlbVma(let lock): return Obj.hugetlbVmaLock(lock)
        case .hugetlbFault(let inode): return Obj.hugetlbFaultMutex(inode)
        case .invalidate(let inode): return Obj.invalidateLock(inode)
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
    /// The lock word of `id` (recorded as a read of the lock).
    @inline(__always) func lockState(_ id: LockID) -> LockState {
        log.read(id.object)
        return lockWord(id)
    }

    /// The lock word of `id` for a step that has recorded a commuting update of it.
    @inline(__always) private func lockStateForUpdate(_ id: LockID) -> LockState {
        assert(!log.isRecording || log.currentFootprint.covers(id.object, .update),
               "lockStateForUpdate without a recorded update")
        return lockWord(id)
    }

    /// Where each lock's word lives, unrecorded: the callers above record the lock.
    @inline(__always) private func lockWord(_ id: LockID) -> LockState {
        switch id {
        case .ptl(let slot): return tables.ptl(slot)
        case .mmap(let mm): return mms[mm].mmapLock
        case .iMmap(let inode): return files.inodes.unrecorded(inode).iMmapRwsem
        case .hugetlbVma(let lock): return hugetlbLockWord(lock)
        case .hugetlbFault(let inode): return files.inodes.unrecorded(inode).hugetlbFaultMutex
        case .invalidate(let inode): return files.inodes.unrecorded(inode).invalidateLock
        }
    }

    /// Sets the lock word of `id`, recorded as `kind`: a write, or for a reader's
    /// acquire and release a commuting update (readers succeed in either order).
    @inline(__always) func setLockState(_ id: LockID, _ state: LockState,
                                        _ kind: AccessKind = .write) {
        log.access(id.object, kind)
        switch id {
        case .ptl(let slot): tables.setPtl(slot, state)
        case .mmap(let mm): mms[mm].mmapLock = state
        case .iMmap(let inode): files.inodes.withUnrecorded(inode) { $0.iMmapRwsem = state }
        case .hugetlbVma(let lock): setHugetlbLockWord(lock, state)
        case .hugetlbFault(let inode):
            files.inodes.withUnrecorded(inode) { $0.hugetlbFaultMutex = state }
        case .invalidate(let inode):
            files.inodes.withUnrecorded(inode) { $0.invalidateLock = state }
        }
    }

    /// Takes `id` exclusively, waiting while anyone holds it. Models spin_lock()
    /// (kernel/locking/spinlock.c) for PTLs and down_write() (kernel/locking/rwsem.c)
    /// for rwsems; a spinning CPU is modelled as waiting for the release (it still takes
    /// IPIs while its IRQs are on), a sleeping one leaves its CPU idle (lazy TLB).
    func lock(_ t: KTask, _ id: LockID) async {
        if id.sleeps { mightSleep(t, "down_write(\(id.lockClass.name))") }
        while true {
            await t.step()
            // A failed attempt only reads the word: the model keeps no queue of spinners
            // (a woken waiter retries), so it changes nothing another CPU could see, and two
            // CPUs failing on one held lock do not race.
            var s = lockState(id)
            if s.writer < 0 && s.readers == 0 {
                s.writer = Int32(t.exec.index)
                setLockState(id, s)
                t.lastAcquire = (id, t.exec.stepSerial)
                if case .ptl = id { t.spinlocksHeld += 1 }
                lockdepAcquire(t, id)
                t.exec.note("\(id.sleeps ? "down_write" : "spin_lock") \(id)")
                return
            }
            await wait(t, id)
        }
    }

    /// Releases an exclusive hold. Models spin_unlock() / up_write().
    ///
    /// A spinlock's release joins the step before it, and what follows it is a new step
    /// (Lipton's reduction, `LockID.releaseJoinsStep`). A section whose acquire ran in that
    /// same step left the lock word as it found it (free): to every other CPU the step only
    /// read the word, so two such sections commute unless their bodies conflict.
    func unlock(_ t: KTask, _ id: LockID) async {
        let joins = id.releaseJoinsStep
        if !joins { await t.step() }
        var s = lockState(id)
        if s.writer != Int32(t.exec.index) {
            internalError("unlock of \(id.lockClass.name) not held exclusively by \(t.name)", t)
        }
        s.writer = -1
        setLockState(id, s)
        if case .ptl = id { t.spinlocksHeld -= 1 }
        lockdepRelease(t, id)
        t.exec.note("\(id.sleeps ? "up_write" : "spin_unlock") \(id)")
        t.exec.wake(id.object)
        if joins {
            if let a = t.lastAcquire, a.lock == id, a.step == t.exec.stepSerial {
                log.restored(id.object)
            }
            await t.step()
        }
    }

    /// Takes an rwsem shared. Models down_read() (kernel/locking/rwsem.c). Readers are
    /// declared as reads of the lock: two readers commute (whatever their order, both hold
    /// it), while any writer's acquire or release conflicts with them.
    func lockShared(_ t: KTask, _ id: LockID) async {
        mightSleep(t, "down_read(\(id.lockClass.name))")
        while true {
            await t.step()
            // down_read's atomic add: an update (it sees only whether a writer holds it,
            // which a writer's own write of the word changes).
            log.update(id.object)
            var s = lockStateForUpdate(id)
            if s.writer < 0 {
                s.readers += 1
                setLockState(id, s, .update)
                lockdepAcquire(t, id)
                t.exec.note("down_read \(id) (readers \(s.readers))")
                return
            }
            await wait(t, id)
        }
    }

    /// Releases a shared hold. Models up_read(): the atomic subtract returns the count
    /// with its waiters flag, and the reader that leaves a waited-for lock free wakes the
    /// waiters. With no waiter (the wait queue read says so, and a block after it
    /// conflicts) up_reads commute: an update. With a waiter, which up_read is the last
    /// and wakes it depends on their order: a write (recorded as an update, a sleeping
    /// up_read kept its "not the last" step after the other reader left, and DPOR
    /// skipped orders).
    func unlockShared(_ t: KTask, _ id: LockID) async {
        await t.step()
        let waiting = t.exec.hasWaiters(on: id.object)
        log.access(id.object, waiting ? .write : .update)
        var s = lockStateForUpdate(id)
        if s.readers <= 0 {
            internalError("up_read of \(id.lockClass.name) with no reader", t)
            return
        }
        s.readers -= 1
        setLockState(id, s, .update)
        lockdepRelease(t, id)
        t.exec.note("up_read \(id) (readers \(s.readers))")
        if s.readers == 0 && waiting { t.exec.wake(id.object) }
    }

    /// Waits for `id` to be released: a sleeping lock leaves the CPU idle (lazy TLB mode,
    /// IPIs serviced at once) until the wake-up.
    private func wait(_ t: KTask, _ id: LockID) async {
        let sleeping = id.sleeps
        if sleeping {
            tlb.ensure(cpu: t.cpu, mm: t.mm ?? MMID(0))
            tlb.setLazy(t.cpu, true)
        }
        t.exec.note("\(id) held: \(t.name) "
                    + "\(sleeping ? "sleeps (cpu\(t.cpu) idle, lazy TLB)" : "spins")")
        await t.exec.block(on: id.object)
        if sleeping { tlb.setLazy(t.cpu, false) }
    }
}

extension LockID: CustomStringConvertible {
    /// `mmap_lock(mm0)`, `ptl[3]`, `i_mmap_rwsem(ino2)` for trace lines.
    public var description: String {
        switch self {
        case .ptl(let slot): return "ptl[\(slot)]"
        case .mmap(let mm): return "mmap_lock(mm\(mm))"
        case .iMmap(let inode): return "i_mmap_rwsem(ino\(inode))"
        case .hugetlbVma(let lock): return "hugetlb_vma_lock[\(lock)]"
        case .hugetlbFault(let inode): return "hugetlb_fault_mutex(ino\(inode))"
        case .invalidate(let inode): return "invalidate_lock(ino\(inode))"
        }
    }

    /// True when a release may run in the step before it rather than start a step of its
    /// own: spinlocks. A release is a left mover (Lipton, CACM 1975; Flanagan and Qadeer,
    /// PLDI 2003): any other CPU's action just before it can run just after it instead,
    /// with the same effect, because a CPU that finds a spinlock held only reads the word
    /// and waits (`lock`), changing nothing. Not for sleeping locks: a sleeper's CPU goes
    /// idle in lazy TLB mode (`wait`), which other CPUs' shootdowns see, so the window in
    /// which a holder is about to release stays one step of its own; nor for a lock a
    /// trylock tests (hugetlb_vma_trylock_write() sees whether the word is held: the
    /// hugetlb vma lock, an rwsem).
    var releaseJoinsStep: Bool { !sleeps }

    /// True for sleeping locks (rwsems); false for spinlocks.
    var sleeps: Bool {
        if case .ptl = self { return false }
        return true
    }
}
