/// Lock classes and the order they are taken in, per execution: a lockdep-style checker
/// (kernel/locking/lockdep.c). Locks are grouped by class as lockdep does (every split
/// PTL is one class); each acquisition while other classes are held records held →
/// acquired edges, and an edge that closes a cycle is a `lock-order` violation.
/// Nesting within one class (two PTLs in fork, annotated SINGLE_DEPTH_NESTING in the
/// kernel) is not an ordering edge.
public enum LockClass: Int, CaseIterable, Sendable {
    /// mmap_lock (an rwsem).
    case mmapLock
    /// i_mmap_rwsem.
    case iMmapRwsem
    /// A split page-table lock (spinlock).
    case ptl
    /// The hugetlb vma lock (an rwsem, v6.1+).
    case hugetlbVmaLock
    /// hugetlb_fault_mutex_table[] (a mutex).
    case hugetlbFaultMutex
    /// mapping->invalidate_lock (an rwsem; i_mmap_sem / XFS_MMAPLOCK before v5.15).
    case invalidateLock

    /// The lock's name as lockdep prints it.
    public var name: String {
        switch self {
        case .mmapLock: return "&mm->mmap_lock"
        case .iMmapRwsem: return "&mapping->i_mmap_rwsem"
        case .ptl: return "ptlock"
        case .hugetlbVmaLock: return "&vma_lock->rw_sema"
        case .hugetlbFaultMutex: return "&hugetlb_fault_mutex_table[i]"
        case .invalidateLock: return "&mapping->invalidate_lock"
        }
    }
}

/// The held → acquired edges seen in one execution, one bit per class pair.
struct LockDep: Hashable, Sendable {
    /// `after[a]` has bit `b` set when class b was taken while a was held.
    var after: [UInt32] = Array(repeating: 0, count: LockClass.allCases.count)
    /// Set once a cycle was reported (one report per execution).
    var reported = false

    /// True when `to` is reachable from `from` along recorded edges.
    func reaches(_ from: Int, _ to: Int) -> Bool {
        var seen: UInt32 = 1 << UInt32(from)
        var frontier: UInt32 = 1 << UInt32(from)
        while frontier != 0 {
            let c = frontier.trailingZeroBitCount
            frontier &= frontier - 1
            if c == to { return true }
            let next = after[c] & ~seen
            seen |= next
            frontier |= next
        }
        return false
    }
}

extension LockID {
    /// The lockdep class of the lock.
    var lockClass: LockClass {
        switch self {
        case .ptl: return .ptl
        case .mmap: return .mmapLock
        case .iMmap: return .iMmapRwsem
        case .hugetlbVma: return .hugetlbVmaLock
        case .hugetlbFault: return .hugetlbFaultMutex
        case .invalidate: return .invalidateLock
        }
    }
}

extension Kernel {
    /// Models lock_acquire()'s dependency check (check_prev_add in lockdep.c): records an
    /// edge from every class `t` holds to `id`'s class; an edge whose reverse path exists
    /// already is a `lock-order` violation.
    func lockdepAcquire(_ t: KTask, _ id: LockID) {
        let c = id.lockClass.rawValue
        var held = t.heldClasses & ~(1 << UInt32(c))
        while held != 0 {
            let h = held.trailingZeroBitCount
            held &= held - 1
            if checks.lockdep.after[h] & (1 << UInt32(c)) != 0 { continue }
            if !checks.lockdep.reported && checks.lockdep.reaches(c, h) {
                checks.lockdep.reported = true
                report(.lockOrder, "possible circular locking: \(LockClass(rawValue: c)!.name) "
                       + "taken while holding \(LockClass(rawValue: h)!.name), the reverse "
                       + "order was seen earlier", t)
            }
            checks.lockdep.after[h] |= 1 << UInt32(c)
        }
        t.heldCounts[c] += 1
    }

    /// Models lock_release(): the class is no longer held by `t` once its count is 0.
    func lockdepRelease(_ t: KTask, _ id: LockID) {
        let c = id.lockClass.rawValue
        if t.heldCounts[c] == 0 {
            internalError("released \(id.lockClass.name) that \(t.name) does not hold", t)
            return
        }
        t.heldCounts[c] -= 1
    }

    /// Models might_sleep() (kernel/sched/core.c __might_sleep): sleeping with a spinlock
    /// held or IRQs off is `sleep-in-atomic` ("BUG: sleeping function called from
    /// invalid context").
    func mightSleep(_ t: KTask, _ what: String) {
        if t.spinlocksHeld > 0 || t.irqsOffDepth > 0 {
            report(.sleepInAtomic, "\(what) may sleep; in atomic context (spinlocks held "
                   + "\(t.spinlocksHeld), irqs \(t.irqsOffDepth > 0 ? "off" : "on"))", t)
        }
    }
}
