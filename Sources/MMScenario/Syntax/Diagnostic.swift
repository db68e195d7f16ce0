/// A position in a `.litmus` file: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The file name as given to the parser.
    public let file: String
    /// 1-based line.
    public let line: Int
    /// 1-based column.
    public let column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COLUMN`, the prefix editors and terminals recognise.
    public var description: String { "\(file):\(line):\(column)" }
}

/// The one error a malformed test produces. Parsing stops at the first problem so the user
/// gets a single message that points at the right place, and nothing is run.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the problem is.
    public let location: SourceLocation
    /// What is wrong, in one sentence, with the valid alternatives where there are few.
    public let message: String

    /// Creates a diagnostic.
    public init(_ message: String, at location: SourceLocation) {
        self.location = location
        self.message = message
    }

    /// `FILE:LINE:COLUMN: error: MESSAGE`.
    public var description: String { "\(location): error: \(message)" }
}
