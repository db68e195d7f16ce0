/// The punctuation of the format. Word-like things (names, numbers, sizes, paths, errnos,
/// `buf+4K`, `T0:r`, `r,w`) are all `Token.Kind.word`: their meaning depends on where they
/// stand, so the parser classifies them.
enum Symbol: String, Sendable, CaseIterable {
    case equal = "=="
    case notEqual = "!="
    case lessOrEqual = "<="
    case greaterOrEqual = ">="
    case less = "<"
    case greater = ">"
    case and = "/\\"
    case or = "\\/"
    case not = "~"
    case leftParen = "("
    case rightParen = ")"
    case leftBrace = "{"
    case rightBrace = "}"
    case assign = "="
    case colon = ":"
    case semicolon = ";"
}

/// One lexical token with the position of its first character.
struct Token: Sendable, CustomStringConvertible {
    /// What the token is.
    enum Kind: Sendable, Equatable {
        /// A maximal run of word characters.
        case word(String)
        /// A `"quoted"` string, escapes resolved; may span lines.
        case string(String)
        /// Punctuation.
        case symbol(Symbol)
        /// End of a line: statements end here.
        case newline
        /// End of input.
        case end
    }

    /// The token.
    let kind: Kind
    /// Where it starts.
    let location: SourceLocation
    /// True when whitespace or a comment precedes it on the same line (`P:` vs `P :`).
    let spaceBefore: Bool

    /// The token as the user wrote it, for messages.
    var description: String {
        switch kind {
        case .word(let text): return "`\(text)`"
        case .string(let text): return "the string \"\(text.prefix(20))\""
        case .symbol(let symbol): return "`\(symbol.rawValue)`"
        case .newline: return "the end of the line"
        case .end: return "the end of the file"
        }
    }

    /// The text of a word token, nil otherwise.
    var word: String? {
        if case .word(let text) = kind { return text }
        return nil
    }

    /// True for the given symbol.
    func isSymbol(_ symbol: Symbol) -> Bool { kind == .symbol(symbol) }

    /// True for a word with exactly this text.
    func isWord(_ text: String) -> Bool { kind == .word(text) }
}
