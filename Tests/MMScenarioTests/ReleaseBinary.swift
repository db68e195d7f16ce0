import Foundation

/// The package's release build of `mmsim`, for tests whose explorations take minutes in a
/// debug build: CI builds it first (`swift run -c release mmsim check scenarios`), and a
/// test uses it only when it is newer than every source file, so it runs the same code.
enum ReleaseBinary {
    /// `.build/release/mmsim` when it is newer than every file under Sources/, else nil.
    static let fresh: String? = {
        let root = ScenarioExpectationTests.root
        let binary = root + "/.build/release/mmsim"
        let fm = FileManager.default
        guard let built = (try? fm.attributesOfItem(atPath: binary))?[.modificationDate] as? Date
        else { return nil }
        guard let walker = fm.enumerator(atPath: root + "/Sources") else { return nil }
        for case let path as String in walker where path.hasSuffix(".swift") {
            let attrs = try? fm.attributesOfItem(atPath: root + "/Sources/" + path)
            if let d = attrs?[.modificationDate] as? Date, d > built { return nil }
        }
        return binary
    }()

    /// Runs the binary with `arguments` (and `environment` added); its standard output.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try fresh ?? { throw CocoaError(.fileNoSuchFile) }())
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// What `mmsim check FILE --json` says of one test (the fields the tests compare).
    struct Report: Decodable {
        struct Count: Decodable { let kind: String; let executions: Int }
        struct Expectation: Decodable { let line: String; let holds: Bool }
        let complete: Bool
        let executions: Int
        let violations: [Count]
        let internalErrorExecutions: Int
        let internalErrors: [String]
        let firstViolationDetails: [String]
        let unexpectedViolations: [String]
        let setupError: String?
        let expectations: [Expectation]
    }

    /// Checks one file in the release binary, with the audit on (`MMSIM_AUDIT=1`) unless
    /// `audit` is false.
    static func check(_ path: String, maxExecutions: Int, preemptions: Int? = nil,
                      audit: Bool = true) throws -> Report {
        let bound = preemptions.map { ["--preemptions", String($0)] } ?? []
        let json = try run(["check", path, "--json", "--max-executions", String(maxExecutions)] + bound,
                           environment: ["MMSIM_AUDIT": audit ? "1" : "0"])
        struct Doc: Decodable { let tests: [Report] }
        let doc = try JSONDecoder().decode(Doc.self, from: Data(json.utf8))
        guard let first = doc.tests.first else { throw CocoaError(.fileReadCorruptFile) }
        return first
    }
}
