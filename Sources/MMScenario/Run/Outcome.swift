import MMKernel

/// What one execution of a test came to: the kinds of violation seen and whether the
/// final condition held. Executions with equal outcomes are counted together.
public struct RunOutcome: Hashable, Sendable {
    /// Violation kinds seen, sorted, each once.
    public var violations: [ViolationKind]
    /// The final condition's value, nil when the test has none.
    public var condition: Bool?
    /// The model broke one of its own invariants (Kernel.internalErrors): not a kernel
    /// violation, reported apart.
    public var internalError: Bool
    /// A setup step failed (`FILE:LINE:COLUMN: why`): init stopped there and nothing
    /// else ran, so the test says nothing about the kernel.
    public var setupError: String?
    /// The final values of the variables the condition names, herd-style
    /// (`["T0:r=0", "T1:m=pmd"]`), in the order the condition first names them; empty
    /// without a condition. Executions are counted per distinct state ("States").
    public var state: [String]

    /// Creates an outcome.
    public init(violations: [ViolationKind], condition: Bool?, internalError: Bool = false,
                setupError: String? = nil, state: [String] = []) {
        self.violations = violations
        self.condition = condition
        self.internalError = internalError
        self.setupError = setupError
        self.state = state
    }
}
