/// Classifying the text of word tokens: numbers, sizes, names, paths, address arithmetic.
enum ValueParsing {
    /// `42`, `0x1000`, and with `allowSuffix` also `4K`, `2M`, `1G` (binary units).
    /// Nil when unparsable or when it does not fit in 63 bits.
    static func unsigned(_ text: String, allowSuffix: Bool = true) -> UInt64? {
        var digits = Substring(text)
        var multiplier: UInt64 = 1
        if allowSuffix, let last = digits.last, let unit = unitMultiplier(last) {
            multiplier = unit
            digits = digits.dropLast()
        }
        let value: UInt64?
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            let hex = digits.dropFirst(2)
            value = hex.isEmpty || multiplier != 1 ? nil : UInt64(hex, radix: 16)
        } else {
            value = digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? UInt64(digits) : nil
        }
        guard let value else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow, product <= UInt64(Int64.max) else { return nil }
        return product
    }

    /// `-1`, `+4K` or an unsigned literal, as a signed value.
    static func signed(_ text: String) -> Int64? {
        if text.hasPrefix("-") {
            return unsigned(String(text.dropFirst())).map { -Int64($0) }
        }
        if text.hasPrefix("+") { return unsigned(String(text.dropFirst())).map { Int64($0) } }
        return unsigned(text).map { Int64($0) }
    }

    private static func unitMultiplier(_ c: Character) -> UInt64? {
        switch c {
        case "K": return 1 << 10
        case "M": return 1 << 20
        case "G": return 1 << 30
        default: return nil
        }
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`: variables, devices, processes, buffers.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !("0"..."9").contains(first) else {
            return false
        }
        return text.unicodeScalars.allSatisfy(Lexer.isAlphanumeric)
    }

    /// Looks like a number or size (starts with a digit): used to say "a size where a name
    /// is needed" rather than "bad name".
    static func looksNumeric(_ text: String) -> Bool {
        text.first.map { $0.isASCII && $0.isNumber } ?? false
    }

    /// An absolute path without empty, `.` or `..` components, no trailing `/`.
    static func isPath(_ text: String) -> Bool {
        guard text.hasPrefix("/"), text.count > 1, !text.hasSuffix("/") else { return false }
        return text.split(separator: "/", omittingEmptySubsequences: false).dropFirst().allSatisfy {
            !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains(",") && !$0.contains(":")
        }
    }

    /// `T0:r` → ("T0", "r"); `r` → (nil, "r"). Nil when not a variable reference.
    static func variable(_ text: String) -> VariableRef? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 1, isIdentifier(text) { return VariableRef(thread: nil, name: text) }
        if parts.count == 2, isThreadName(String(parts[0])), isIdentifier(String(parts[1])) {
            return VariableRef(thread: String(parts[0]), name: String(parts[1]))
        }
        return nil
    }

    /// `T0`, `T1`, ... (no leading zeros).
    static func threadIndex(_ text: String) -> Int? {
        guard text.hasPrefix("T"), text.count >= 2, text.count <= 6 else { return nil }
        let digits = text.dropFirst()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              digits == "0" || !digits.hasPrefix("0") else {
            return nil
        }
        return Int(digits)
    }

    static func isThreadName(_ text: String) -> Bool { threadIndex(text) != nil }

    /// Splits `buf+2M-4K` into signed terms: ["buf", "+2M", "-4K"]. The first term keeps
    /// a leading sign if it has one.
    static func terms(_ text: String) -> [Substring] {
        var terms: [Substring] = []
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            if (text[i] == "+" || text[i] == "-"), i != start {
                terms.append(text[start..<i])
                start = i
            }
            i = text.index(after: i)
        }
        terms.append(text[start..<text.endIndex])
        return terms
    }
}
