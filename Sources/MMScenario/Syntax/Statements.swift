/// Statement syntax: `[PROC:] [VAR =] OP positional... key=value... flag...`, then the
/// schema check shared by all ops, then the op's own builder (OpBuilders.swift).
extension Parser {
    mutating func parseStatement() throws(Diagnostic) -> Statement {
        let start = current.location
        guard var head = takeWord() else {
            throw Diagnostic("expected a statement, not \(current)", at: current.location)
        }
        var prefix: RawArgument?
        if current.isSymbol(.colon) {
            prefix = head
            advance()
            guard let op = takeWord() else {
                throw Diagnostic("expected an op after `\(head.text):`, not \(current)",
                                 at: current.location)
            }
            head = op
        } else if let (process, rest) = Parser.splitPrefix(head) {
            prefix = process
            head = rest
        }
        var result: RawArgument?
        if current.isSymbol(.assign) {
            result = head
            advance()
            guard let op = takeWord() else {
                throw Diagnostic("expected an op after `\(head.text) =`, not \(current)",
                                 at: current.location)
            }
            head = op
        }
        guard let schema = OpSchema.all[head.text] else {
            let hint = OpSchema.suggestion(for: head.text).map { " (did you mean `\($0)`?)" }
                ?? " (ops: \(OpSchema.names.joined(separator: ", ")))"
            throw Diagnostic("unknown op `\(head.text)`\(hint)", at: head.location)
        }
        var raw = RawStatement(location: start, prefix: prefix, result: result, op: head)
        let process = try semantics.context(for: raw, schema: schema)
        if schema.name == "assert" {
            if let result {
                throw Diagnostic("`assert` has no result to assign to `\(result.text)`",
                                 at: result.location)
            }
            raw.condition = try parseCondition(scope: .block)
        } else {
            try readArguments(into: &raw)
            try check(raw, against: schema)
        }
        if !atStatementEnd {
            throw Diagnostic("unexpected \(current) after the `\(schema.name)` statement",
                             at: current.location)
        }
        let op = try buildOperation(raw, schema: schema)
        if let result { try semantics.assign(result, from: op) }
        return Statement(location: start, result: result?.text, process: process, op: op)
    }

    /// A newline, `;`, the block's `}` or the end of input.
    var atStatementEnd: Bool {
        atLineEnd || current.isSymbol(.semicolon) || current.isSymbol(.rightBrace)
    }

    /// Takes a word token (not past the statement's end).
    mutating func takeWord() -> RawArgument? {
        guard let text = current.word else { return nil }
        let argument = RawArgument(text: text, location: current.location)
        advance()
        return argument
    }

    /// `P:buf` written without a space: a prefix glued to the next word. `dmabuf:x` and
    /// `p2pmem:x` are targets, never prefixes.
    static func splitPrefix(_ word: RawArgument) -> (RawArgument, RawArgument)? {
        guard let colon = word.text.firstIndex(of: ":"),
              !word.text.hasPrefix("dmabuf:"), !word.text.hasPrefix("p2pmem:") else { return nil }
        let process = String(word.text[..<colon])
        let rest = String(word.text[word.text.index(after: colon)...])
        guard !process.isEmpty, !rest.isEmpty, !rest.contains(":") else { return nil }
        let location = word.location
        let restLocation = SourceLocation(file: location.file, line: location.line,
                                          column: location.column
                                              + process.unicodeScalars.count + 1)
        return (RawArgument(text: process, location: location),
                RawArgument(text: rest, location: restLocation))
    }

    /// Words and `key=value` pairs up to the end of the statement.
    mutating func readArguments(into raw: inout RawStatement) throws(Diagnostic) {
        while !atStatementEnd {
            guard let word = takeWord() else {
                throw Diagnostic("unexpected \(current) in the `\(raw.op.text)` statement",
                                 at: current.location)
            }
            guard current.isSymbol(.assign) else {
                raw.words.append(word)
                continue
            }
            advance()
            guard let value = takeWord() else {
                throw Diagnostic("missing value after `\(word.text)=`", at: current.location)
            }
            raw.keyed.append((key: word, value: value))
        }
    }

    /// The checks every op shares: positional count, known keys and flags, no repeats.
    func check(_ raw: RawStatement, against schema: OpSchema) throws(Diagnostic) {
        let op = schema.name
        if raw.words.count < schema.positionals.count {
            throw Diagnostic("`\(op)` is missing \(schema.positionals[raw.words.count]) "
                                 + "(usage: \(schema.usage))", at: raw.op.location)
        }
        var seenKeys: Set<String> = []
        for (key, _) in raw.keyed {
            guard schema.keys.contains(key.text) else {
                let valid = schema.keys.isEmpty
                    ? "`\(op)` takes no key=value arguments"
                    : "valid: " + schema.keys.map { "\($0)=" }.joined(separator: ", ")
                throw Diagnostic("unknown key `\(key.text)=` for \(op) (\(valid); usage: "
                                 + "\(schema.usage))",
                                 at: key.location)
            }
            guard seenKeys.insert(key.text).inserted else {
                throw Diagnostic("`\(key.text)=` is given twice", at: key.location)
            }
        }
        var seenFlags: Set<String> = []
        for flag in raw.words.dropFirst(schema.positionals.count) {
            guard schema.flags.contains(flag.text) else {
                if schema.flags.isEmpty {
                    throw Diagnostic("unexpected `\(flag.text)` after the arguments of \(op) "
                                         + "(usage: \(schema.usage))", at: flag.location)
                }
                throw Diagnostic("unknown flag `\(flag.text)` for \(op) "
                                     + "(valid: \(schema.flags.joined(separator: ", ")))",
                                     at: flag.location)
            }
            guard seenFlags.insert(flag.text).inserted else {
                throw Diagnostic("flag `\(flag.text)` is given twice", at: flag.location)
            }
        }
    }
}
