/// Typed access to a raw statement's arguments, with the format's messages for a missing
/// argument, a wrong type or a bad number.
struct ArgumentReader {
    let raw: RawStatement
    let schema: OpSchema

    var op: String { schema.name }

    /// Positional argument `i` (its presence was checked against the schema).
    func positional(_ i: Int) -> RawArgument { raw.words[i] }

    /// True when the flag is present.
    func flag(_ name: String) -> Bool { flagArgument(name) != nil }

    /// The flag's word, for locating errors about it.
    func flagArgument(_ name: String) -> RawArgument? {
        raw.words.dropFirst(schema.positionals.count).first { $0.text == name }
    }

    /// The value of `key=`, if given.
    func value(_ key: String) -> RawArgument? { raw.keyed.first { $0.key.text == key }?.value }

    /// The `key=` word itself.
    func keyArgument(_ key: String) -> RawArgument? { raw.keyed.first { $0.key.text == key }?.key }

    /// The value of a required `key=`.
    func required(_ key: String) throws(Diagnostic) -> RawArgument {
        guard let value = value(key) else {
            throw Diagnostic("`\(op)` is missing \(key)= (usage: \(schema.usage))",
                             at: raw.op.location)
        }
        return value
    }

    /// A size in bytes. `positive` refuses 0; `pageMultiple` refuses sizes that are not a
    /// multiple of 4K (devices, files and buffers are made of pages).
    func size(_ argument: RawArgument, for what: String, positive: Bool = true,
              pageMultiple: Bool = false) throws(Diagnostic) -> UInt64 {
        let text = argument.text
        guard let size = ValueParsing.unsigned(text) else {
            if ValueParsing.isIdentifier(text) || text.hasPrefix("/") {
                throw Diagnostic("\(what) takes a size like 4096, 0x1000, 4K, 2M or 1G, "
                                 + "not `\(text)`",
                                 at: argument.location)
            }
            throw Diagnostic("bad size `\(text)` for \(what) (write 4096, 0x1000, 4K, 2M or 1G; "
                                 + "at most 2^63-1)", at: argument.location)
        }
        if positive && size == 0 {
            throw Diagnostic("\(what) must be positive", at: argument.location)
        }
        if pageMultiple && size % 4096 != 0 {
            throw Diagnostic("\(what) \(text) is not a multiple of 4K (the page size)",
                             at: argument.location)
        }
        return size
    }

    /// An optional `key=S` size.
    func size(key: String, positive: Bool = true,
              pageMultiple: Bool = false) throws(Diagnostic) -> UInt64? {
        guard let argument = value(key) else { return nil }
        return try size(argument, for: "\(key)=", positive: positive, pageMultiple: pageMultiple)
    }

    /// A required `key=S` size.
    func requiredSize(_ key: String, positive: Bool = true,
                      pageMultiple: Bool = false) throws(Diagnostic) -> UInt64 {
        try size(try required(key), for: "\(key)=", positive: positive, pageMultiple: pageMultiple)
    }

    /// A positive count (`pages=N`, `alloc_pages N`): decimal or hex, no size suffix.
    func count(_ argument: RawArgument, for what: String) throws(Diagnostic) -> Int {
        guard let value = ValueParsing.unsigned(argument.text, allowSuffix: false) else {
            throw Diagnostic("\(what) takes a count like 1 or 512, not `\(argument.text)`",
                             at: argument.location)
        }
        guard value > 0 else { throw Diagnostic("\(what) must be positive", at: argument.location) }
        guard value <= 1 << 30 else {
            throw Diagnostic("\(what) \(argument.text) is too large (at most 2^30)",
                             at: argument.location)
        }
        return Int(value)
    }

    /// A name (`[A-Za-z_][A-Za-z0-9_]*`) for a device, process or buffer.
    func name(_ argument: RawArgument, for what: String) throws(Diagnostic) -> String {
        let text = argument.text
        if ValueParsing.isIdentifier(text) { return text }
        if ValueParsing.looksNumeric(text) {
            throw Diagnostic("\(op) needs \(what), not the number `\(text)`", at: argument.location)
        }
        throw Diagnostic("\(op) needs \(what) (letters, digits and _), not `\(text)`",
                         at: argument.location)
    }

    /// An absolute path.
    func path(_ argument: RawArgument, for what: String) throws(Diagnostic) -> String {
        guard ValueParsing.isPath(argument.text) else {
            throw Diagnostic("\(op) needs \(what) like /mnt/f, not `\(argument.text)`",
                             at: argument.location)
        }
        return argument.text
    }

    /// One of a fixed set of words (`mode=devdax`).
    func choice<T: RawRepresentable>(_ key: String, _ cases: [T]) throws(Diagnostic) -> T?
    where T.RawValue == String {
        guard let argument = value(key) else { return nil }
        guard let value = T(rawValue: argument.text) else {
            let valid = cases.map(\.rawValue).joined(separator: ", ")
            throw Diagnostic("\(key)= takes one of \(valid), not `\(argument.text)`",
                             at: argument.location)
        }
        return value
    }

    /// `prot=r`, `rw`, `r,w`, `w`, `none`.
    func protection(_ argument: RawArgument) throws(Diagnostic) -> Protection {
        let text = argument.text
        if text == "none" { return .none }
        let letters = text.contains(",")
            ? text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            : text.map(String.init)
        var prot = Protection.none
        for letter in letters {
            switch letter {
            case "r" where !prot.read: prot.read = true
            case "w" where !prot.write: prot.write = true
            default:
                throw Diagnostic("prot= takes r, w, rw (or r,w) or none, not `\(text)`",
                                 at: argument.location)
            }
        }
        guard prot.read || prot.write else {
            throw Diagnostic("prot= takes r, w, rw (or r,w) or none, not `\(text)`",
                             at: argument.location)
        }
        return prot
    }

    /// `buf`, `buf+4K`, `buf-0x1000`, `0x7f0000000000`, `T0:buf+2M+4K`, `-1`: one variable
    /// at the start, then literal terms.
    func addrExpr(_ argument: RawArgument, for what: String) throws(Diagnostic) -> AddrExpr {
        let terms = ValueParsing.terms(argument.text)
        var base: VariableRef?
        var offset: Int64 = 0
        for (i, term) in terms.enumerated() {
            if let literal = ValueParsing.signed(String(term)) {
                let (sum, overflow) = offset.addingReportingOverflow(literal)
                guard !overflow else {
                    throw Diagnostic("\(what) `\(argument.text)` overflows 64 bits",
                                     at: argument.location)
                }
                offset = sum
            } else if i == 0, let variable = ValueParsing.variable(String(term)) {
                base = variable
            } else if i == 0, ValueParsing.looksNumeric(String(term)) || term.hasPrefix("-") {
                throw Diagnostic("bad number `\(term)` in \(what) `\(argument.text)`",
                                 at: argument.location)
            } else if i == 0 {
                throw Diagnostic("\(what) must be an address: a variable, a number, or a "
                                 + "variable ± sizes (like buf+4K), not `\(argument.text)`",
                                 at: argument.location)
            } else {
                throw Diagnostic("`\(term.dropFirst())` in \(what) `\(argument.text)` is "
                                 + "not a size: address arithmetic adds sizes to one variable",
                                 at: argument.location)
            }
        }
        return AddrExpr(base: base, offset: offset, location: argument.location)
    }
}
