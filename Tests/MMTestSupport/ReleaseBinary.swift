import Foundation

/// The package's release build of `mmsim`, for tests whose explorations take minutes in a
/// debug build: CI builds it first (`swift run -c release mmsim check scenarios`), and a
/// test uses it only when it is newer than every source file, so it runs the same code.
public enum ReleaseBinary {
    /// The package's root directory.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `.build/release/mmsim` when it is newer than every file under Sources/, else nil.
    public static let fresh: String? = {
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

    /// Runs the binary with `arguments` (and `environment` added) in the package's root
    /// directory, so relative paths name bundled files as a user's would; its standard output.
    public static func run(_ arguments: [String],
                           environment: [String: String] = [:]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try fresh ?? { throw CocoaError(.fileNoSuchFile) }())
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: root)
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
    public struct Report: Decodable {
        /// A violation kind and how many executions showed it.
        public struct Count: Decodable {
            public let kind: String
            public let executions: Int
            public init(kind: String, executions: Int) {
                self.kind = kind
                self.executions = executions
            }
        }
        /// An expect line and whether it holds.
        public struct Expectation: Decodable {
            public let line: String
            public let holds: Bool
            public init(line: String, holds: Bool) { self.line = line; self.holds = holds }
        }
        public let complete: Bool
        public let executions: Int
        public let violations: [Count]
        public let internalErrorExecutions: Int
        public let internalErrors: [String]
        public let firstViolationDetails: [String]
        public let unexpectedViolations: [String]
        public let setupError: String?
        public let expectations: [Expectation]

        /// The fields of an in-process report.
        public init(complete: Bool, executions: Int, violations: [Count],
                    internalErrorExecutions: Int,
                    internalErrors: [String], firstViolationDetails: [String],
                    unexpectedViolations: [String], setupError: String?,
                    expectations: [Expectation]) {
            self.complete = complete
            self.executions = executions
            self.violations = violations
            self.internalErrorExecutions = internalErrorExecutions
            self.internalErrors = internalErrors
            self.firstViolationDetails = firstViolationDetails
            self.unexpectedViolations = unexpectedViolations
            self.setupError = setupError
            self.expectations = expectations
        }
    }

    /// Checks one file in the release binary, with the audit on (`MMSIM_AUDIT=1`) unless
    /// `audit` is false.
    public static func check(_ path: String, maxExecutions: Int, preemptions: Int? = nil,
                             audit: Bool = true) throws -> Report {
        let json = try checkJSON(path, maxExecutions: maxExecutions, preemptions: preemptions,
                                 audit: audit)
        struct Doc: Decodable { let tests: [Report] }
        let doc = try JSONDecoder().decode(Doc.self, from: Data(json.utf8))
        guard let first = doc.tests.first else { throw CocoaError(.fileReadCorruptFile) }
        return first
    }

    /// `mmsim check FILE --json` in the release binary: the whole document, for tests that
    /// decode the full report (MMReport's `JSONReport.Document`).
    public static func checkJSON(_ path: String, maxExecutions: Int? = nil, preemptions: Int? = nil,
                                 audit: Bool) throws -> String {
        let bound = preemptions.map { ["--preemptions", String($0)] } ?? []
        let budget = maxExecutions.map { ["--max-executions", String($0)] } ?? []
        return try run(["check", path, "--json"] + budget + bound,
                       environment: ["MMSIM_AUDIT": audit ? "1" : "0"])
    }
}
