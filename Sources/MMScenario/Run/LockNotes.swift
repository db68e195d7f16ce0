/// Reads the lock and interrupt notes of a trace (`spin_lock ptl[3]`, `down_write
/// mmap_lock(mm1)`, `down_read ... (readers 1)`, `local_irq_save (cpu0 irqs off)` and
/// their releases) as the set of locks a thread holds, so that a sketch can show them as
/// the context of the notes between them instead of as lines of their own.
enum LockNotes {
    /// The tag a sketch shows while interrupts are off.
    static let irqOff = RaceSketch.irqOff

    /// If `note` takes or releases a lock or switches interrupts, updates `held` (outermost
    /// first) and returns true; otherwise returns false and leaves `held` alone.
    static func apply(_ note: String, to held: inout [String]) -> Bool {
        let words = note.split(separator: " ", maxSplits: 2).map(String.init)
        guard words.count >= 2 else { return false }
        switch words[0] {
        case "spin_lock", "down_write":
            held.append(words[1])
        case "down_read":
            held.append(words[1] + "(r)")
        case "spin_unlock", "up_write":
            remove(words[1], from: &held)
        case "up_read":
            remove(words[1] + "(r)", from: &held)
        case "local_irq_save":
            if !held.contains(irqOff) { held.append(irqOff) }
        case "local_irq_restore":
            if note.contains("irqs on") { remove(irqOff, from: &held) }
        default:
            return false
        }
        return true
    }

    /// Removes the innermost `tag`.
    static func remove(_ tag: String, from held: inout [String]) {
        if let i = held.lastIndex(of: tag) { held.remove(at: i) }
    }
}
