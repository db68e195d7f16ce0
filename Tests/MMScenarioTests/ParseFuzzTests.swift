import Testing
@testable import MMScenario

/// Bad input never crashes: random bytes, random token soups, and every truncation and
/// single-character mutation of valid tests either parse or give one diagnostic.
@Suite struct ParseFuzzTests {
    /// A deterministic generator (SplitMix64) so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
    }

    /// Parses and, on failure, checks the diagnostic has the documented shape.
    func survive(_ source: String) {
        do {
            _ = try LitmusParser.parse(source: source, file: "f.litmus")
        } catch {
            let text = error.description
            #expect(text.hasPrefix("f.litmus:") && text.contains(": error: "),
                    "bad diagnostic: \(text)")
        }
    }

    static let valid = [ParseLayoutTests.full, threadSource("gup buf pages=1 fast pin; unpin"),
                        ParseConditionTests.threads
                            + "exists (~(T0:r == 1 /\\ T0:m.VmFlags has hg) \\/ f.Rss >= "
                            + "2M)\nexpect Sometimes\n"]

    @Test func randomBytes() {
        var rng = SplitMix(state: 1)
        for _ in 0..<3000 {
            let count = Int.random(in: 0..<200, using: &rng)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            survive(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test func tokenSoup() {
        let pieces = ["MM", "t", "\n", "init", "T0", "T1", "on", "P", "{", "}", "(", ")", "=", ":",
                      ";", "~", "/\\",
                      "\\/", "==", "<", "has", "exists", "forall", "expect", "pass", "Never",
                      "violation", "mmap",
                      "anon", "len=4K", "buf", "buf+4K", "-EFAULT", "SIGBUS", "pmd", "\"s\"", "\"",
                      "kernel", "v5.10",
                      "+thp_always", "process", "fork", "gup", "pages=1", "pin", "put", "assert",
                      "0x", "99999999999999999999G",
                      "/dev/dax0.0", "pmem", "size=2M", "mode=devdax", "T0:r", "T0:m.Rss", "#",
                      "finally", "@", "é"]
        var rng = SplitMix(state: 2)
        for _ in 0..<3000 {
            let count = Int.random(in: 0..<40, using: &rng)
            survive((0..<count).map { _ in pieces.randomElement(using: &rng)! }
                .joined(separator: " "))
        }
    }

    @Test func truncationsAndMutationsOfValidTests() throws {
        for source in Self.valid {
            _ = try LitmusParser.parse(source: source, file: "f.litmus")
            let scalars = Array(source.unicodeScalars)
            for end in 0...scalars.count {
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[..<end])
                survive(String(view))
            }
            var rng = SplitMix(state: 3)
            let replacements: [Unicode.Scalar] = ["{", "}", "(", ")", "\"", "\n", " ", "=", ":",
                                                  "-", "+", "x", "0", "~"]
            for _ in 0..<1000 {
                var mutated = scalars
                mutated[Int.random(in: 0..<mutated.count,
                                   using: &rng)] = replacements.randomElement(using: &rng)!
                var view = String.UnicodeScalarView()
                view.append(contentsOf: mutated)
                survive(String(view))
            }
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let base = "MM t\nT0 { r = load 0 }\nexists "
        survive(base + String(repeating: "(", count: 100_000) + "T0:r == 1")
        survive(base + String(repeating: "~", count: 100_000) + "T0:r == 1")
        survive("MM t\nT0 { x = load " + String(repeating: "buf+", count: 10_000) + "1 }")
        survive("MM t\nT0 { x = lo" + String(repeating: "a", count: 50_000) + " }")
    }
}
