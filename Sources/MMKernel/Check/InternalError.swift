/// Failures of the model's own invariants (architecture.md: "reported apart, as an
/// internal error with its trace"). They are not violations of the modelled kernel: no
/// `expect` line can ask for one, and `mmsim` exits 3 when any execution had one.
extension Kernel {
    /// Records that the model broke one of its own invariants (a lock released that was
    /// not held, IRQs restored that were never saved, ...).
    public func internalError(_ what: String, on thread: String) {
        checks.internalErrors.append("\(thread): \(what)")
    }

    /// Records an internal error seen by `task`, with a trace note.
    func internalError(_ what: String, _ task: KTask) {
        internalError(what, on: task.name)
        task.exec.note("!! internal error: \(what)")
    }
}
