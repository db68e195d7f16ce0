/// The race sketch: the steps of one execution that matter to its violation (or to the
/// final state that answers the condition), one lane per thread or agent, as the text,
/// JSON, Graphviz and HTML reports show them.
///
/// The steps kept are the happens-before cone of the focus step: every concurrent step
/// that precedes it in its thread (program order) or touched a shared object that a later
/// step of the cone touched, one of the two a write (the footprints the explorer records),
/// or blocked on or woke a wait queue a later step of the cone did (queues kept apart from
/// data, as the explorer keeps them).
/// init and finally are left out unless the focus is in them. Lock and IRQ-off notes
/// become the `held` context of the rows between them; a block of rows repeated page after
/// page (numbers aside) becomes its first occurrence with `repeats`.
public struct RaceSketch: Codable, Hashable, Sendable {
    /// What the sketch explains.
    public enum Focus: String, Codable, Hashable, Sendable {
        /// The first violation's step (its `!!` note).
        case violation
        /// The end of an execution whose final state answers the condition.
        case finalState = "final-state"
    }

    /// One thread or agent (T0, T1, dma0, init, finally).
    public struct Lane: Codable, Hashable, Sendable {
        /// The thread's name.
        public var name: String
        /// Its CPU as the trace names it ("cpu1").
        public var cpu: String
    }

    /// One line of a lane: a note of a kept step.
    public struct Row: Codable, Hashable, Sendable {
        /// Index into `lanes`.
        public var lane: Int
        /// The note (lock and IRQ notes are folded into `held`).
        public var text: String
        /// Index of the step (in the execution's trace) the note belongs to.
        public var step: Int
        /// Locks held and "irq-off" while the note was made, outermost first.
        public var held: [String]
        /// The note starts a statement (`»`).
        public var statement: Bool
        /// The note is the focus: the violation's `!!` note.
        public var focus: Bool
        /// With `blockLength`: this row starts a block of `blockLength` rows that ran
        /// `repeats` times in a row for other pages or entries (1 when not repeated).
        public var repeats: Int
        /// How many rows the repeated block has (1 when not repeated).
        public var blockLength: Int
    }

    /// A happens-before edge between two kept steps of different lanes: they touched a
    /// common shared object, one of them writing it (program order within a lane is
    /// implicit).
    public struct Edge: Codable, Hashable, Sendable {
        /// Index into `rows` of the earlier step's last row.
        public var from: Int
        /// Index into `rows` of the later step's first row.
        public var to: Int
    }

    /// The `held` tag of a note made with interrupts off.
    public static let irqOff = "irq-off"

    /// What the sketch explains.
    public var focus: Focus
    /// The lanes, in the order of their first kept row.
    public var lanes: [Lane]
    /// The kept notes, in execution order.
    public var rows: [Row]
    /// Cross-lane happens-before edges between kept steps.
    public var edges: [Edge]
    /// Steps of the execution (all phases).
    public var totalSteps: Int
    /// Steps kept (the cone, plus the focus step).
    public var keptSteps: Int

    /// Creates a sketch.
    public init(focus: Focus, lanes: [Lane], rows: [Row], edges: [Edge], totalSteps: Int,
                keptSteps: Int) {
        self.focus = focus
        self.lanes = lanes
        self.rows = rows
        self.edges = edges
        self.totalSteps = totalSteps
        self.keptSteps = keptSteps
    }
}
