// Budgets and cross-worker stopping, shared by every part of one exploration.

import Dispatch
import Foundation
import Synchronization

/// When the resident size was last read (uptime nanoseconds), by any worker.
private let lastMemoryProbe = Atomic<UInt64>(0)

/// The resident memory of this process in bytes, read at most every 20 ms by all the
/// workers together, else nil. Reading /proc/self/statm costs an open, a read and a close;
/// every 256 steps of every execution it took 4% of a dma-buf exploration's time. Memory
/// does not grow much in 20 ms, so a budget is still enforced within a few megabytes.
func residentBytesThrottled() -> UInt64? {
    let t = DispatchTime.now().uptimeNanoseconds
    let last = lastMemoryProbe.load(ordering: .relaxed)
    guard t &- last >= 20_000_000 || last == 0 else { return nil }
    lastMemoryProbe.store(t, ordering: .relaxed)
    return residentBytes()
}

/// Monotonic time in seconds.
@inline(__always)
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// The resident memory of this process in bytes (Linux: /proc/self/statm), or nil where
/// it cannot be read.
func residentBytes() -> UInt64? {
    #if os(Linux)
    guard let f = fopen("/proc/self/statm", "r") else { return nil }
    defer { fclose(f) }
    var size = 0, resident = 0
    guard fscanf_statm(f, &size, &resident) else { return nil }
    return UInt64(resident) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
    #else
    return nil
    #endif
}

#if os(Linux)
/// Reads the first two numbers of /proc/self/statm (total and resident pages).
private func fscanf_statm(_ f: UnsafeMutablePointer<FILE>, _ size: inout Int,
                          _ resident: inout Int) -> Bool {
    var buffer = [CChar](repeating: 0, count: 128)
    guard fgets(&buffer, 128, f) != nil else { return false }
    let fields = String(cString: buffer).split(separator: " ")
    guard fields.count >= 2, let a = Int(fields[0]), let b = Int(fields[1]) else { return false }
    size = a
    resident = b
    return true
}
#endif

/// Shared stop state of one exploration. Workers call `shouldStop` between executions.
final class Control: @unchecked Sendable {
    let start: Double
    let deadline: Double?
    let maxExecutions: Int?
    let stopAtFirstInteresting: Bool
    /// The budgets every execution checks at its scheduling points.
    let limits: ExecutionLimits
    let interruptRequested: (@Sendable () -> Bool)?
    /// The cores the exploration's explorers share (`jobs`; Speculation.swift).
    let cores: CorePool
    private let lock = NSLock()
    private var _timedOut = false
    private var _outOfMemory = false
    private var _interrupted = false
    private var _threadLimit = false
    private var _profile = RaceProfile()
    private var _done = 0
    /// The lowest part index that found an interesting outcome; parts after it are moot.
    private var _interestingPart = Int.max
    private var _threadLimitPart = Int.max

    init(_ options: ExploreOptions) {
        let t0 = now()
        start = t0
        deadline = options.timeout.map { t0 + $0 }
        maxExecutions = options.maxExecutions
        stopAtFirstInteresting = options.stopAtFirstInteresting
        limits = ExecutionLimits(deadline: deadline, maxMemory: options.maxMemory,
                                 interruptRequested: options.interruptRequested)
        interruptRequested = options.interruptRequested
        cores = CorePool(options.jobs)
    }

    var timedOut: Bool { lock.lock(); defer { lock.unlock() }; return _timedOut }
    /// True once an execution stopped because the process exceeded `maxMemory`.
    var outOfMemory: Bool { lock.lock(); defer { lock.unlock() }; return _outOfMemory }
    var interrupted: Bool { lock.lock(); defer { lock.unlock() }; return _interrupted }
    /// True once an execution hit `maxExecutionThreads` (counted, with its internal error).
    var threadLimit: Bool { lock.lock(); defer { lock.unlock() }; return _threadLimit }

    /// The race profile absorbed from every part's explorer so far.
    var profile: RaceProfile { lock.lock(); defer { lock.unlock() }; return _profile }

    /// Adds a part's race profile.
    func absorb(_ p: RaceProfile) {
        lock.lock()
        defer { lock.unlock() }
        _profile.add(p)
    }

    /// An execution of part `part` hit the explorer's thread limit: it is counted (its
    /// internal error is reported with its trace) and its explorer stops, since every
    /// execution that follows the same path hits it again; so do the parts after it in
    /// exploration order, which one worker would not have reached. Earlier parts go on.
    func threadLimitHit(part: Int) {
        lock.lock()
        defer { lock.unlock() }
        _threadLimit = true
        _threadLimitPart = min(_threadLimitPart, part)
    }

    /// An execution was stopped by a budget: every worker stops too.
    func budgetStopped(_ stop: ExecutionStop) {
        lock.lock()
        defer { lock.unlock() }
        switch stop {
        case .memory: _outOfMemory = true
        case .interrupted: _interrupted = true
        default: _timedOut = true
        }
    }

    var executionsDone: Int { lock.lock(); defer { lock.unlock() }; return _done }

    /// Whether part `part`, having done `executions` so far, must stop now.
    func shouldStop(part: Int, executions: Int) -> Bool {
        if let maxExecutions, executions >= maxExecutions { return true }
        lock.lock()
        defer { lock.unlock() }
        if part > _interestingPart || part > _threadLimitPart { return true }
        if _timedOut || _outOfMemory || _interrupted { return true }
        if let interruptRequested, interruptRequested() {
            _interrupted = true
            return true
        }
        if let deadline, now() >= deadline {
            _timedOut = true
            return true
        }
        return false
    }

    /// Records progress of a worker (`count` more executions).
    func reportDone(_ count: Int) {
        lock.lock()
        _done += count
        lock.unlock()
    }

    /// Part `part` found an interesting outcome (only matters with stopAtFirstInteresting).
    func foundInteresting(part: Int) {
        lock.lock()
        _interestingPart = min(_interestingPart, part)
        lock.unlock()
    }
}

/// Calls the progress callback at most about four times a second.
struct ProgressThrottle {
    let callback: ((ExploreProgress) -> Void)?
    let start: Double
    private var nextAt: Double

    init(_ callback: ((ExploreProgress) -> Void)?, start: Double) {
        self.callback = callback
        self.start = start
        nextAt = start + 0.25
    }

    mutating func tick(_ executions: Int) {
        guard let callback else { return }
        let t = now()
        if t >= nextAt {
            nextAt = t + 0.25
            callback(ExploreProgress(executions: executions, elapsed: t - start))
        }
    }
}
