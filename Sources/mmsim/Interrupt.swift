import Dispatch
import Foundation
import MMExplore

/// Ctrl-C during `check`, `run` and `matrix`: the first SIGINT asks the exploration to stop
/// at its next budget check, so what was explored so far is reported (as stopped,
/// "interrupted"); a second one exits at once.
enum CtrlC {
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    /// Installs the handler (once).
    static func install() {
        guard source == nil else { return }
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler {
            if Interrupt.requested {
                FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!)
                exit(130)
            }
            Interrupt.request()
        }
        s.resume()
        source = s
    }

    /// Whether Ctrl-C was pressed.
    static var pressed: Bool { Interrupt.requested }
}
