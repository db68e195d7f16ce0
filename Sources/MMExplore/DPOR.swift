// Race detection for optimal DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014 and
// JACM 2017).
//
// Happens-before over the steps of one execution is built with vector clocks: a step
// happens after the previous step of its thread, the step that spawned its thread, and
// every earlier step it conflicts with (per object: the last write, and for a write the
// reads since). Two steps e < e' race when they conflict, belong to different threads,
// and e happens before e' only directly (not through a third step). For each race,
// v = notdep(e).e' (the steps after e that do not happen after it, then e') is a
// sequence that reverses the race; it goes into the wakeup tree of the node before e
// (DFSExplorer.insertWakeup) unless an initial of it (a thread whose first step in v has
// no predecessor in v) is asleep or explored there already.
//
// Blocking: a step that wakes a waiter of a wait queue writes that queue and a step that
// blocks on it updates it, so block/wake pairs on one queue race and get reversed (the
// wake first: the blocker then finds its condition true); two blocks commute (a wake wakes
// every waiter: the queue is a set, whose order nobody sees); a wake that finds no waiter
// only reads the queue (it races with blocks, not with other such wakes). Wait queues are
// a table apart from the objects' data: a waiter reads the data its condition names
// before it blocks and the waker changes that data, so those two steps already conflict
// through their footprints; a queue conflicting with its object's data as well would only
// make every update of the data race with every waiter. The step a blocked thread runs
// after being woken updates the queue too, and the wake that enabled it is a
// non-reversible race (the woken step cannot run first): it counts as a happens-before
// edge like program order, never as a race. A thread blocked `until` a condition has no
// waker: its woken step reads the condition's data, which orders it after every step that
// made the condition true.

/// Per-object access history for one race analysis: open addressing over the objects'
/// raw identities (no Hasher: a multiplicative hash), and the reads, commuting updates and
/// decrements since each object's last write as linked lists in one shared pool (no
/// allocation per object). A step that touches thousands of struct pages costs linear time.
/// An explorer keeps its tables from one race analysis to the next (`reset` empties the
/// slots used), so an execution does not allocate and fill them again.
struct ObjectTable {
    /// Raw identity + 1 per slot; 0 marks an empty slot.
    private var keys: [UInt64]
    private var lastWrite: [Int32]
    private var readHead: [Int32]
    private var updateHead: [Int32]
    private var decrementHead: [Int32]
    private var poolStep: [Int32] = []
    private var poolNext: [Int32] = []
    /// The slots in use, for `reset`.
    private var occupied: [Int32] = []
    private var used = 0
    private var shift: UInt64

    /// An empty table of 2^`log2Slots` slots (it grows when half full).
    init(log2Slots: Int = 12) {
        let n = 1 << log2Slots
        keys = Array(repeating: 0, count: n)
        lastWrite = Array(repeating: -1, count: n)
        readHead = Array(repeating: -1, count: n)
        updateHead = Array(repeating: -1, count: n)
        decrementHead = Array(repeating: -1, count: n)
        shift = 64 - UInt64(log2Slots)
    }

    /// Empties the table, keeping its storage.
    mutating func reset() {
        for i in occupied {
            let k = Int(i)
            keys[k] = 0
            lastWrite[k] = -1
            readHead[k] = -1
            updateHead[k] = -1
            decrementHead[k] = -1
        }
        occupied.removeAll(keepingCapacity: true)
        poolStep.removeAll(keepingCapacity: true)
        poolNext.removeAll(keepingCapacity: true)
        used = 0
    }

    /// The slot of `object`, inserted empty when absent.
    mutating func slot(_ object: ObjectID) -> Int {
        if used * 2 >= keys.count { grow() }
        let key = object.raw &+ 1
        var i = Int((key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = keys.count - 1
        while true {
            if keys[i] == key { return i }
            if keys[i] == 0 {
                keys[i] = key
                used += 1
                occupied.append(Int32(i))
                return i
            }
            i = (i + 1) & mask
        }
    }

    private mutating func grow() {
        let oldKeys = keys, oldW = lastWrite, oldR = readHead, oldU = updateHead
        let oldD = decrementHead
        let n = keys.count * 2
        keys = Array(repeating: 0, count: n)
        lastWrite = Array(repeating: -1, count: n)
        readHead = Array(repeating: -1, count: n)
        updateHead = Array(repeating: -1, count: n)
        decrementHead = Array(repeating: -1, count: n)
        shift -= 1
        used = 0
        occupied.removeAll(keepingCapacity: true)
        for i in oldKeys.indices where oldKeys[i] != 0 {
            let j = slot(ObjectID(oldKeys[i] &- 1))
            lastWrite[j] = oldW[i]
            readHead[j] = oldR[i]
            updateHead[j] = oldU[i]
            decrementHead[j] = oldD[i]
        }
    }

    func lastWriteOf(_ i: Int) -> Int32 { lastWrite[i] }

    /// Calls `body` with every access of `kind` (not a write) since the last write of
    /// slot `i`.
    func forEach(_ i: Int, _ kind: AccessKind, _ body: (Int32) -> Void) {
        var k: Int32
        switch kind {
        case .read: k = readHead[i]
        case .update: k = updateHead[i]
        case .decrement: k = decrementHead[i]
        case .write: return
        }
        while k >= 0 {
            body(poolStep[Int(k)])
            k = poolNext[Int(k)]
        }
    }

    /// Calls `body` with every earlier step an access of `kind` to `object` conflicts
    /// with: the object's last write, and the reads, updates and decrements since, except
    /// those of this access's own kind. A step may come more than once.
    @inline(__always)
    mutating func forEachConflict(_ a: Access, _ body: (Int32) -> Void) {
        let i = slot(a.object)
        let w = lastWriteOf(i)
        if w >= 0 { body(w) }
        if a.kind != .read { forEach(i, .read, body) }
        if a.kind != .update { forEach(i, .update, body) }
        if a.kind != .decrement { forEach(i, .decrement, body) }
    }

    /// Records step `j`'s accesses `fp`, writes last, so that a step that reads and
    /// writes an object leaves it written.
    @inline(__always)
    mutating func note(_ fp: Footprint, step j: Int32) {
        for k in 0..<fp.count where fp[k].kind != .write { note(slot(fp[k].object), j, fp[k].kind) }
        for k in 0..<fp.count where fp[k].kind == .write { note(slot(fp[k].object), j, fp[k].kind) }
    }

    /// Records that step `j` accessed slot `i` with `kind`.
    mutating func note(_ i: Int, _ j: Int32, _ kind: AccessKind) {
        switch kind {
        case .write:
            lastWrite[i] = j
            readHead[i] = -1
            updateHead[i] = -1
            decrementHead[i] = -1
        case .read:
            poolStep.append(j)
            poolNext.append(readHead[i])
            readHead[i] = Int32(poolStep.count - 1)
        case .update:
            poolStep.append(j)
            poolNext.append(updateHead[i])
            updateHead[i] = Int32(poolStep.count - 1)
        case .decrement:
            poolStep.append(j)
            poolNext.append(decrementHead[i])
            decrementHead[i] = Int32(poolStep.count - 1)
        }
    }
}

extension DFSExplorer {
    /// Finds the races of the steps at indices >= `from` of the first `count` steps.
    func analyzeRaces(_ records: [StepRecord], nodes count: Int, from: Int) {
        let n = count
        if n < 2 { return }
        var width = 0
        var threads: UInt64 = 0
        for j in 0..<n {
            width = max(width, Int(records[j].thread) + 1)
            threads |= 1 << UInt64(records[j].thread)
        }
        // One thread ran every step: nothing to reverse.
        if threads & (threads - 1) == 0 { return }
        // clock[j * width + t] = number of steps of thread t that happen before or are j.
        var clock = [UInt32](repeating: 0, count: n * width)
        var local = [UInt32](repeating: 0, count: n)
        var perThread = [UInt32](repeating: 0, count: width)
        var lastOf = [Int32](repeating: -1, count: width)
        var objects = objectTable.take() ?? ObjectTable()
        // Blocks and wakes conflict with each other, not with the object's data: a waiter
        // reads the data its condition names before it blocks, and the waker changes that
        // data, so those steps already conflict through their footprints.
        var waitQueues = waitQueueTable.take() ?? ObjectTable(log2Slots: 6)
        defer {
            objects.reset()
            waitQueues.reset()
            objectTable = objects
            waitQueueTable = waitQueues
        }
        var fixed: [Int32] = []   // happens-before edges that are never races
        var preds: [Int32] = []   // conflicting earlier steps (candidate races)
        fixed.reserveCapacity(4)
        preds.reserveCapacity(8)

        for j in 0..<n {
            if j & 0xffff == 0xffff, let max = maxMemory, let rss = residentBytes(),
               rss > max {
                memoryStopped = rss
                return
            }
            let r = records[j]
            let q = Int(r.thread)
            fixed.removeAll(keepingCapacity: true)
            preds.removeAll(keepingCapacity: true)
            if lastOf[q] >= 0 { fixed.append(lastOf[q]) }
            if r.spawner >= 0 { fixed.append(r.spawner) }
            if r.enabler >= 0 { fixed.append(r.enabler) }
            func visit(_ a: Access, in table: inout ObjectTable) {
                table.forEachConflict(a) { k in
                    if !preds.contains(k) { preds.append(k) }
                }
            }
            for k in 0..<r.fp.count { visit(r.fp[k], in: &objects) }
            for a in r.extra { visit(a, in: &waitQueues) }
            // Steps of the same thread are ordered anyway; only other threads race.
            preds.removeAll { Int(records[Int($0)].thread) == q }

            perThread[q] += 1
            local[j] = perThread[q]
            let base = j * width
            for k in fixed { join(&clock, into: base, from: Int(k) * width, width) }
            for k in preds { join(&clock, into: base, from: Int(k) * width, width) }
            clock[base + q] = local[j]

            if j >= from {
                for i in preds {
                    let ii = Int(i)
                    let p = Int(records[ii].thread)
                    // Direct race: i does not happen before another predecessor of j.
                    var through: UInt32 = 0
                    for k in fixed { through = max(through, clock[Int(k) * width + p]) }
                    for k in preds where k != i {
                        through = max(through, clock[Int(k) * width + p])
                    }
                    if through >= local[ii] { continue }
                    reverse(race: ii, with: j, records, clock, local, width)
                }
            }

            lastOf[q] = Int32(j)
            objects.note(r.fp, step: Int32(j))
            for a in r.extra { waitQueues.note(waitQueues.slot(a.object), Int32(j), a.kind) }
        }
    }

    /// Inserts the reversed sequence of the race of step `i` with the later step `j` into
    /// the wakeup tree of node `i`.
    private func reverse(race i: Int, with j: Int, _ records: [StepRecord],
                         _ clock: [UInt32], _ local: [UInt32], _ width: Int) {
        let p = Int(records[i].thread)
        var v = ReversedSequence(width: width)
        var k = i + 1
        while k <= j {
            // Steps happening after i are not in v (j is, by construction).
            if k == j || clock[k * width + p] < local[i] {
                v.append(thread: Int(records[k].thread), local: local[k],
                         clock: clock[(k * width)..<(k * width + width)])
            }
            k += 1
        }
        wake(at: i, v, race: (records[i], records[j]))
    }
}

extension DFSExplorer {
    /// Inserts `v`, the reversed sequence of `race`, at node `i`; a speculative explorer
    /// keeps it for its owner when node `i` is in its fixed prefix (Speculation.swift).
    func wake(at i: Int, _ v: ReversedSequence,
              race: @autoclosure () -> (StepRecord, StepRecord)?) {
        if i < floor, outside != nil {
            outside!.append(OutsideInsertion(node: i, sequence: v,
                                             race: profile != nil ? race() : nil))
            return
        }
        var v = v
        if insertWakeup(at: i, &v), profile != nil, let (a, b) = race() {
            profile?.count(a, b)
        }
    }
}

/// The reversed sequence v = notdep(e).e' of one race, as a wakeup-tree insertion consumes
/// it: the steps after e that do not happen after it, then the racing step e', in
/// execution order, with their vector clocks; steps matched against the tree are removed
/// from the front of their thread's run.
///
//// The racing step e' (last) runs in v without e before it, so it may read other values
/// and touch more than it did (a TLB lookup that missed because e flushed hits, and then
/// checks the frame): it counts as depending on every step of another thread in v. (Taking
/// its recorded footprint when e only read what e' touches looked sound, but on the
/// seed-003 race at 3 threads it lost classes that bounded search reaches.)
struct ReversedSequence {
    private let width: Int
    private var threads: [Int32] = []
    private var locals: [UInt32] = []
    /// clocks[k * width + u]: steps of thread u that happen before (or are) step k.
    private var clocks: [UInt32] = []
    private var removed: [Bool] = []
    /// Per thread: position of its first step still in v, or -1; and how many remain.
    private var head: [Int]
    private var remaining: [Int]
    private var left = 0

    init(width: Int) {
        self.width = width
        head = Array(repeating: -1, count: width)
        remaining = Array(repeating: 0, count: width)
    }

    mutating func append(thread t: Int, local: UInt32, clock: ArraySlice<UInt32>) {
        if head[t] < 0 { head[t] = threads.count }
        remaining[t] += 1
        left += 1
        threads.append(Int32(t))
        locals.append(local)
        clocks.append(contentsOf: clock)
        removed.append(false)
    }

    var isEmpty: Bool { left == 0 }

    /// The thread of the first step still in v.
    var firstThread: Int? {
        removed.firstIndex(of: false).map { Int(threads[$0]) }
    }

    /// True when thread `t`'s first step still in v has no predecessor in v: no step of
    /// another thread still in v happens before it (for e', none is left before it).
    func isInitial(_ t: Int) -> Bool {
        guard t < width, remaining[t] > 0 else { return false }
        let k = head[t]
        if k == threads.count - 1 { return left == remaining[t] }
        for u in 0..<width where u != t && remaining[u] > 0 {
            if locals[head[u]] <= clocks[k * width + u] { return false }
        }
        return true
    }

    /// Removes thread `t`'s first step still in v (an initial).
    mutating func removeFirst(of t: Int) {
        let k = head[t]
        removed[k] = true
        remaining[t] -= 1
        left -= 1
        var n = k + 1
        while n < threads.count && (removed[n] || Int(threads[n]) != t) { n += 1 }
        head[t] = remaining[t] > 0 ? n : -1
    }

    /// The steps still in v as a chain of wakeup branches; nil when none is left.
    func chain() -> WakeupBranch? {
        var branch: WakeupBranch?
        for k in stride(from: threads.count - 1, through: 0, by: -1) where !removed[k] {
            branch = WakeupBranch(thread: threads[k], children: branch.map { [$0] } ?? [])
        }
        return branch
    }
}

@inline(__always)
private func join(_ clock: inout [UInt32], into base: Int, from other: Int, _ width: Int) {
    for t in 0..<width where clock[other + t] > clock[base + t] {
        clock[base + t] = clock[other + t]
    }
}

