import Testing
@testable import MMScenario

/// The lexer: word shapes, symbols, strings, comments, locations.
@Suite struct ParseLexerTests {
    func lex(_ source: String) throws -> [Token] {
        var lexer = Lexer(source: source, file: "t.litmus")
        return try lexer.tokenize()
    }

    func words(_ source: String) throws -> [String] {
        try lex(source).map { token in
            switch token.kind {
            case .word(let text): return text
            case .string(let text): return "\"\(text)\""
            case .symbol(let symbol): return symbol.rawValue
            case .newline: return "\\n"
            case .end: return "<end>"
            }
        }
    }

    @Test func wordShapesStayWhole() throws {
        #expect(try words("buf+4K buf-0x1000 buf+2M+4K /dev/dax0.0 /mnt/f dmabuf:bo p2pmem:bar "
                          + "-EFAULT T0:r T0:m.Rss")
                    == ["buf+4K", "buf-0x1000", "buf+2M+4K", "/dev/dax0.0", "/mnt/f", "dmabuf:bo",
                        "p2pmem:bar",
                        "-EFAULT", "T0:r", "T0:m.Rss", "<end>"])
        #expect(try words("prot=r,w len=2M") == ["prot", "=", "r,w", "len", "=", "2M", "<end>"])
        #expect(try words("kernel v5.10 +thp_always -alloc_lifo")
                == ["kernel", "v5.10", "+thp_always", "-alloc_lifo", "<end>"])
    }

    @Test func symbols() throws {
        #expect(try words("== != < <= > >= /\\ \\/ ~ ( ) { } = : ;")
                    == ["==", "!=", "<", "<=", ">", ">=", "/\\", "\\/", "~", "(", ")", "{", "}",
                        "=", ":", ";", "<end>"])
        #expect(try words("T0:r==1/\\T1:r!=-1")
                == ["T0:r", "==", "1", "/\\", "T1:r", "!=", "-1", "<end>"])
        #expect(try words("P: buf") == ["P", ":", "buf", "<end>"])
        #expect(try words("~exists") == ["~", "exists", "<end>"])
    }

    @Test func commentsStringsAndLocations() throws {
        let tokens = try lex("MM x # comment \"not a string\"\n\"two\nlines \\\"q\\\"\"\n  T0")
        #expect(tokens.map(\.kind)
                == [.word("MM"), .word("x"), .newline, .string("two\nlines \"q\""), .newline,
                                       .word("T0"), .end])
        #expect(tokens.map(\.location.line) == [1, 1, 1, 2, 3, 4, 4])
        #expect(tokens.map(\.location.column) == [1, 4, 30, 1, 13, 3, 5])
    }

    @Test func lexerErrors() {
        #expect(throws: Diagnostic("unterminated string: no closing `\"` for the one opened here",
                                   at: SourceLocation(file: "t.litmus", line: 2, column: 3))) {
            _ = try lex("x\n  \"open")
        }
        #expect(throws: Diagnostic("unexpected character `$`",
                                   at: SourceLocation(file: "t.litmus", line: 1, column: 5))) {
            _ = try lex("a = $x")
        }
    }
}
