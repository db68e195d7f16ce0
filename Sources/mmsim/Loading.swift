import ArgumentParser
import Foundation
import MMScenario

/// Reading test files: directories are searched for `*.litmus`, in name order. Every file
/// is parsed before anything runs, so a malformed one stops the whole command cleanly.
enum Loading {
    static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                throw Failure(message: "\(path): error: no such file or directory")
            }
            if isDir.boolValue {
                guard let walker = fm.enumerator(atPath: path) else { continue }
                var found: [String] = []
                for case let rel as String in walker where rel.hasSuffix(".litmus") {
                    found.append((path as NSString).appendingPathComponent(rel))
                }
                files += found.sorted()
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// Loads every test; on the first problems prints one diagnostic per bad file to
    /// standard error and exits 2.
    static func loadAll(_ paths: [String]) throws -> [ScenarioRunner.Loaded] {
        let files: [String]
        do {
            files = try expand(paths)
        } catch let f as Failure {
            printError(f.message)
            throw ExitCode(2)
        }
        var loaded: [ScenarioRunner.Loaded] = []
        var bad = false
        for file in files {
            guard let data = FileManager.default.contents(atPath: file),
                  let source = String(data: data, encoding: .utf8) else {
                printError("\(file):1:1: error: cannot read the file as UTF-8 text")
                bad = true
                continue
            }
            do {
                loaded.append(try ScenarioRunner.load(source: source, file: file))
            } catch {
                printError("\(error)")
                bad = true
            }
        }
        if bad { throw ExitCode(2) }
        if loaded.isEmpty {
            printError("error: no .litmus files in \(paths.joined(separator: " "))")
            throw ExitCode(2)
        }
        return loaded
    }

    struct Failure: Error { let message: String }
}

/// Writes a line to standard error.
func printError(_ s: String) {
    FileHandle.standardError.write((s.hasSuffix("\n") ? s : s + "\n").data(using: .utf8)!)
}

/// Writes to standard output without buffering surprises between reports.
func emit(_ s: String) {
    FileHandle.standardOutput.write(s.data(using: .utf8)!)
}
