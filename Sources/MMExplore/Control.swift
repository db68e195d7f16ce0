// Budgets and cross-worker stopping, shared by every part of one exploration.

import Dispatch
import Foundation

/// Monotonic time in seconds.
@inline(__always)
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Shared stop state of one exploration. Workers call `shouldStop` between executions.
final class Control: @unchecked Sendable {
    let start: Double
    let deadline: Double?
    let maxExecutions: Int?
    let stopAtFirstInteresting: Bool
    let interruptRequested: (@Sendable () -> Bool)?
    private let lock = NSLock()
    private var _timedOut = false
    private var _interrupted = false
    private var _done = 0
    /// The lowest part index that found an interesting outcome; parts after it are moot.
    private var _interestingPart = Int.max

    init(_ options: ExploreOptions) {
        let t0 = now()
        start = t0
        deadline = options.timeout.map { t0 + $0 }
        maxExecutions = options.maxExecutions
        stopAtFirstInteresting = options.stopAtFirstInteresting
        interruptRequested = options.interruptRequested
    }

    var timedOut: Bool { lock.lock(); defer { lock.unlock() }; return _timedOut }
    var interrupted: Bool { lock.lock(); defer { lock.unlock() }; return _interrupted }
    var executionsDone: Int { lock.lock(); defer { lock.unlock() }; return _done }

    /// Whether part `part`, having done `executions` so far, must stop now.
    func shouldStop(part: Int, executions: Int) -> Bool {
        if let maxExecutions, executions >= maxExecutions { return true }
        lock.lock()
        defer { lock.unlock() }
        if part > _interestingPart { return true }
        if _timedOut || _interrupted { return true }
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
