// A schedule names one execution: the thread chosen at each point that had a choice.
// Executions are deterministic, so that sequence alone reproduces the execution.
//
// Token format, version 1:   v1.<test hash, 8 hex digits>.<runs>
// <runs> is the choice sequence run-length encoded. Each run is a thread index followed
// by an optional repeat count:
//   - index < 36: one character of "0-9a-z"; index 36..<1296: "_" then two such chars;
//   - count 1: nothing; count n >= 2: n - 2 written in base 26 with "A-Z" digits
//     (so "3C" is thread 3 four times). Upper case cannot start an index, so runs
//     need no separators.

/// The thread chosen at each scheduling point of an execution that had more than one
/// enabled thread (points with a single enabled thread are not choices).
public struct Schedule: Hashable, Sendable {
    /// Thread index chosen at each choice point, in order.
    public var choices: [Int]

    /// Creates a schedule from its choices.
    public init(choices: [Int]) { self.choices = choices }

    private static let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")

    /// The replay token: version, the caller's test hash and the choices, compactly.
    public func token(testHash: UInt32) -> String {
        var hex = String(testHash, radix: 16)
        hex = String(repeating: "0", count: 8 - hex.count) + hex
        var out = "v1." + hex + "."
        var i = 0
        while i < choices.count {
            let v = choices[i]
            var n = 1
            while i + n < choices.count && choices[i + n] == v { n += 1 }
            precondition(v >= 0 && v < 36 * 36, "thread index out of token range")
            if v < 36 {
                out.append(Schedule.digits[v])
            } else {
                out.append("_")
                out.append(Schedule.digits[v / 36])
                out.append(Schedule.digits[v % 36])
            }
            if n >= 2 { out += Schedule.base26(n - 2) }
            i += n
        }
        return out
    }

    private static func base26(_ x: Int) -> String {
        var x = x
        var s: [Character] = []
        repeat {
            s.append(Character(UnicodeScalar(UInt8(65 + x % 26))))
            x /= 26
        } while x > 0
        return String(s.reversed())
    }

    /// Decodes the choices of a token made by `token(testHash:)`, ignoring its test hash
    /// (use `decode` to check it); nil when the token is malformed.
    public init?(token: String) {
        guard let (schedule, _) = Schedule.decode(token) else { return nil }
        self = schedule
    }

    /// Decodes a token made by `token(testHash:)`; nil when it is malformed (never traps).
    public static func decode(_ token: String) -> (schedule: Schedule, testHash: UInt32)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", parts[1].count == 8,
              parts[1].allSatisfy({ $0.isHexDigit && $0.isASCII }),
              let hash = UInt32(parts[1], radix: 16)
        else { return nil }
        var choices: [Int] = []
        let body = Array(parts[2].utf8)
        var i = 0
        func digit(_ c: UInt8) -> Int? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(c - UInt8(ascii: "a")) + 10
            default: return nil
            }
        }
        while i < body.count {
            var value: Int
            if body[i] == UInt8(ascii: "_") {
                guard i + 2 < body.count, let hi = digit(body[i + 1]), let lo = digit(body[i + 2])
                else { return nil }
                value = hi * 36 + lo
                i += 3
            } else {
                guard let d = digit(body[i]) else { return nil }
                value = d
                i += 1
            }
            var count = 1
            if i < body.count, body[i] >= UInt8(ascii: "A"), body[i] <= UInt8(ascii: "Z") {
                var n = 0
                while i < body.count, body[i] >= UInt8(ascii: "A"), body[i] <= UInt8(ascii: "Z") {
                    n = n * 26 + Int(body[i] - UInt8(ascii: "A"))
                    i += 1
                    // A real schedule is far shorter; refuse absurd counts instead of
                    // allocating gigabytes or overflowing.
                    if n > 100_000_000 { return nil }
                }
                count = n + 2
            }
            if choices.count + count > 100_000_000 { return nil }
            choices.append(contentsOf: repeatElement(value, count: count))
        }
        return (Schedule(choices: choices), hash)
    }
}
