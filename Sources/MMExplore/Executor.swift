// The single-threaded executor every thread of one execution runs on.
//
// Each model thread is a Task whose executor preference is a `LoopExecutor`. The
// runtime hands us the task's jobs through `enqueue`; `drain()` runs them one by one,
// synchronously, on the OS thread that called it. Because exactly one job runs at a
// time and the queue is FIFO, an execution is fully deterministic: which thread runs
// next is decided only by the scheduler resuming one parked continuation.
//
// Why drain inline rather than on a dedicated Thread: running jobs with
// `runSynchronously(on:)` nests correctly inside a caller that is itself a running
// task (the runtime saves and restores the current task and executor around the job),
// which the tests exercise from sync and async `@Test` functions and from several OS
// threads at once. A dedicated driver thread would cost a hand-off per execution:
// measured (release, this 2-core machine) a semaphore round trip to another thread
// takes ~33 us, while a whole inline 2-thread x 20-step execution takes ~12 us. So the
// driver runs inline.
//
// The queue is not locked: every enqueue comes from a job this loop is running (a
// continuation resumed by a thread of the same execution, or a task created by one).
// A job that escapes to another executor (model code isolated to an actor) would break
// that; `drain()`'s caller detects it and traps with an explanation instead of racing.

/// Runs the jobs of one execution's tasks, in FIFO order, on the thread calling `drain()`.
final class LoopExecutor: TaskExecutor, @unchecked Sendable {
    @exclusivity(unchecked) private var queue: [UnownedJob] = []
    @exclusivity(unchecked) private var head = 0

    init() { queue.reserveCapacity(16) }

    func enqueue(_ job: consuming ExecutorJob) {
        queue.append(UnownedJob(job))
    }

    /// Runs queued jobs until none is left.
    func drain() {
        let me = asUnownedTaskExecutor()
        while head < queue.count {
            let job = queue[head]
            head += 1
            if head == queue.count {
                // Keep the array short: it only ever holds a few jobs at a time.
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            job.runSynchronously(on: me)
        }
    }
}
