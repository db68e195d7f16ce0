import Foundation
import Testing

/// The project's text standard for its own sources: every line of every `.swift` file
/// under Sources/ and Tests/ fits in 100 columns (OutputWidthTests holds what mmsim
/// prints to the same width).
@Suite struct SourceWidthTests {
    static let limit = 100

    /// The package's root: this file is Tests/MMReportTests/SourceWidthTests.swift.
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    /// Directories not checked, with the reason (none now).
    static let skipped: [String] = []

    /// `path:line: N columns` for each line over the limit in the `.swift` files under
    /// `directory` (relative to the root), skipping `skipped`.
    static func tooWide(under directory: String) throws -> [String] {
        let base = root.appendingPathComponent(directory)
        guard let files = FileManager.default.enumerator(atPath: base.path) else { return [] }
        var found: [String] = []
        for case let name as String in files where name.hasSuffix(".swift") {
            let path = directory + "/" + name
            if skipped.contains(where: { path.hasPrefix($0) }) { continue }
            let text = try String(contentsOf: base.appendingPathComponent(name), encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            for (i, line) in lines.enumerated() where line.count > limit {
                found.append("\(path):\(i + 1): \(line.count) columns")
            }
        }
        return found.sorted()
    }

    @Test(arguments: ["Sources", "Tests"])
    func everyLineFitsIn100Columns(directory: String) throws {
        let found = try Self.tooWide(under: directory)
        let shown = found.prefix(20).joined(separator: "\n")
        #expect(found.isEmpty, "\(found.count) lines over 100 columns:\n\(shown)")
    }

    /// The check reads real files: Sources/ holds Swift files and this file is among those
    /// Tests/ holds.
    @Test func theCheckSeesTheSources() throws {
        let tests = FileManager.default.enumerator(atPath: Self.root.appendingPathComponent(
            "Tests").path)?.compactMap { $0 as? String } ?? []
        #expect(tests.contains("MMReportTests/SourceWidthTests.swift"))
        let sources = FileManager.default.enumerator(atPath: Self.root.appendingPathComponent(
            "Sources").path)?.compactMap { $0 as? String } ?? []
        #expect(sources.filter { $0.hasSuffix(".swift") }.count > 100)
    }
}
