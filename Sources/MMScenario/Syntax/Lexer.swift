/// Splits `.litmus` text into tokens, each with its line and column.
///
/// Words are lexed greedily so that `buf+4K`, `/dev/dax0.0`, `-EFAULT`, `prot=r,w`'s `r,w`
/// and `T0:m.Rss` each arrive as one token. A `:` joins a word only when a word character
/// follows it, so `P: mmap` is a process prefix while `T0:r` is one qualified name.
struct Lexer {
    private let scalars: [Unicode.Scalar]
    private let file: String
    private var index = 0
    private var line = 1
    private var column = 1

    /// Prepares to lex `source`, naming it `file` in locations.
    init(source: String, file: String) {
        self.scalars = Array(source.unicodeScalars)
        self.file = file
    }

    /// Lexes the whole input; the last token is always `.end`.
    mutating func tokenize() throws(Diagnostic) -> [Token] {
        var tokens: [Token] = []
        var spaceBefore = false
        while let c = peek() {
            if c == " " || c == "\t" || c == "\r" {
                advance()
                spaceBefore = true
                continue
            }
            if c == "#" {
                while let d = peek(), d != "\n" { advance() }
                spaceBefore = true
                continue
            }
            let start = location
            if c == "\n" {
                advance()
                tokens.append(Token(kind: .newline, location: start, spaceBefore: spaceBefore))
                spaceBefore = false
                continue
            }
            let kind: Token.Kind
            if c == "\"" {
                kind = .string(try lexString(start: start))
            } else if Lexer.startsWord(c, next: peek(1)) {
                kind = .word(lexWord())
            } else if let symbol = lexSymbol() {
                kind = .symbol(symbol)
            } else {
                throw Diagnostic("unexpected character `\(Character(c))`", at: start)
            }
            tokens.append(Token(kind: kind, location: start, spaceBefore: spaceBefore))
            spaceBefore = false
        }
        tokens.append(Token(kind: .end, location: location, spaceBefore: spaceBefore))
        return tokens
    }

    // MARK: Pieces

    private mutating func lexString(start: SourceLocation) throws(Diagnostic) -> String {
        advance()  // opening quote
        var text = ""
        while let c = peek() {
            advance()
            if c == "\"" { return text }
            if c == "\\", let escaped = peek() {
                advance()
                switch escaped {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "\"", "\\": text.unicodeScalars.append(escaped)
                default:
                    text.unicodeScalars.append(c)
                    text.unicodeScalars.append(escaped)
                }
                continue
            }
            text.unicodeScalars.append(c)
        }
        throw Diagnostic("unterminated string: no closing `\"` for the one opened here", at: start)
    }

    private mutating func lexWord() -> String {
        var text = ""
        if let c = peek() {
            text.unicodeScalars.append(c)
            advance()
        }
        while let c = peek(), Lexer.continuesWord(c, next: peek(1)) {
            text.unicodeScalars.append(c)
            advance()
        }
        return text
    }

    private mutating func lexSymbol() -> Symbol? {
        // Longest match first: `==` before `=`, `<=` before `<`.
        for symbol in Lexer.symbolsLongestFirst {
            let chars = Array(symbol.rawValue.unicodeScalars)
            if chars.indices.allSatisfy({ peek($0) == chars[$0] }) {
                for _ in chars { advance() }
                return symbol
            }
        }
        return nil
    }

    private static let symbolsLongestFirst = Symbol.allCases.sorted {
        $0.rawValue.unicodeScalars.count > $1.rawValue.unicodeScalars.count
    }

    // MARK: Character classes

    static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_"
    }

    static func startsWord(_ c: Unicode.Scalar, next: Unicode.Scalar?) -> Bool {
        if isAlphanumeric(c) || c == "." { return true }
        if c == "/" { return next != "\\" }
        if c == "+" || c == "-" { return next.map(isAlphanumeric) ?? false }
        return false
    }

    static func continuesWord(_ c: Unicode.Scalar, next: Unicode.Scalar?) -> Bool {
        if isAlphanumeric(c) || c == "." || c == "+" || c == "-" || c == "," { return true }
        if c == "/" { return next != "\\" }
        if c == ":" { return next.map(isAlphanumeric) ?? false }
        return false
    }

    // MARK: Cursor

    private var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let i = index + offset
        return i < scalars.count ? scalars[i] : nil
    }

    private mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }
}
