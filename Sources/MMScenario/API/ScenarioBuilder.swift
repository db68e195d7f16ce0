/// One part of a test built in Swift: a block of statements, the condition or an `expect`
/// line. Statements are the `.litmus` statements, as strings (scenario-format.md).
public enum ScenarioPart: Sendable, Hashable {
    /// `init { ... }`.
    case initBlock([String])
    /// `NAME on PROCESS { ... }` (or `NAME { ... }`).
    case thread(name: String, process: String?, [String])
    /// `finally { ... }`.
    case finallyBlock([String])
    /// `exists (...)`, `~exists (...)` or `forall (...)`.
    case condition(String)
    /// `expect ...`.
    case expect(String)
}

/// `init { ... }` in a ``ScenarioBuilder`` block.
public func InitBlock(@StatementBuilder _ body: () -> [String]) -> ScenarioPart {
    .initBlock(body())
}

/// A thread in a ``ScenarioBuilder`` block: `ThreadBlock("T0", on: "P") { "touch buf" }`.
public func ThreadBlock(_ name: String, on process: String? = nil,
                   @StatementBuilder _ body: () -> [String]) -> ScenarioPart {
    .thread(name: name, process: process, body())
}

/// `finally { ... }` in a ``ScenarioBuilder`` block.
public func FinallyBlock(@StatementBuilder _ body: () -> [String]) -> ScenarioPart {
    .finallyBlock(body())
}

/// The final condition of a built test.
public enum FinalCondition {
    /// `exists (COND)`: some execution ends with COND true.
    public static func exists(_ cond: String) -> ScenarioPart { .condition("exists (\(cond))") }
    /// `~exists (COND)`: no execution does.
    public static func notExists(_ cond: String) -> ScenarioPart { .condition("~exists (\(cond))") }
    /// `forall (COND)`: every execution does.
    public static func forall(_ cond: String) -> ScenarioPart { .condition("forall (\(cond))") }
}

/// The `expect` lines of a built test.
public enum Expect {
    /// `expect pass`: no execution has a violation.
    public static let pass = ScenarioPart.expect("pass")
    /// `expect Never`.
    public static let never = ScenarioPart.expect("Never")
    /// `expect Sometimes`.
    public static let sometimes = ScenarioPart.expect("Sometimes")
    /// `expect Always`.
    public static let always = ScenarioPart.expect("Always")
    /// `expect violation KIND`.
    public static func violation(_ kind: String) -> ScenarioPart { .expect("violation " + kind) }
}

/// Collects the statements of a block, one string each.
@resultBuilder
public enum StatementBuilder {
    /// The statements in order.
    public static func buildBlock(_ lines: String...) -> [String] { lines }
}

/// Collects the parts of a test (``InitBlock(_:)``, ``ThreadBlock(_:on:_:)``, ``FinalCondition``,
/// ``Expect``) and writes them as `.litmus` text, which the real parser then checks.
@resultBuilder
public enum ScenarioBuilder {
    /// An optional part.
    public static func buildOptional(_ part: [ScenarioPart]?) -> [ScenarioPart] { part ?? [] }
    /// Parts from an `if`/`else`.
    public static func buildEither(first: [ScenarioPart]) -> [ScenarioPart] { first }
    /// Parts from an `if`/`else`.
    public static func buildEither(second: [ScenarioPart]) -> [ScenarioPart] { second }
    /// Parts from a `for` loop.
    public static func buildArray(_ parts: [[ScenarioPart]]) -> [ScenarioPart] {
        parts.flatMap { $0 }
    }
    /// A single part.
    public static func buildExpression(_ part: ScenarioPart) -> [ScenarioPart] { [part] }
    /// The parts of a block.
    public static func buildBlock(_ parts: [ScenarioPart]...) -> [ScenarioPart] {
        parts.flatMap { $0 }
    }

    /// The `.litmus` text of a test named `name` under era `kernel`.
    public static func source(name: String, kernel: String, parts: [ScenarioPart]) -> String {
        var out = ["MM \(name)", "kernel \(kernel)", ""]
        func block(_ header: String, _ lines: [String]) {
            out.append(header + " {")
            out += lines.map { "  " + $0 }
            out += ["}", ""]
        }
        for part in parts {
            switch part {
            case .initBlock(let lines): block("init", lines)
            case .thread(let name, let process, let lines):
                block(process.map { "\(name) on \($0)" } ?? name, lines)
            case .finallyBlock(let lines): block("finally", lines)
            case .condition(let text): out.append(text)
            case .expect(let text): out.append("expect " + text)
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
