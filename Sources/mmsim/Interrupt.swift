import Dispatch
import Foundation
import MMExplore

/// Ctrl-C during `check`, `run` and `matrix`: the first SIGINT asks the running exploration
/// to stop at its next budget check (ExploreOptions.interruptRequested), so what was
/// explored so far is reported (stopped, "interrupted") and no further test starts; a
/// second one exits at once.
enum CtrlC {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var _pressed = false
    nonisolated(unsafe) private static var source: DispatchSourceSignal?

    /// Installs the handler (once).
    static func install() {
        guard source == nil else { return }
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler {
            if CtrlC.pressed {
                FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!)
                exit(130)
            }
            lock.lock()
            _pressed = true
            lock.unlock()
        }
        s.resume()
        source = s
    }

    /// Whether Ctrl-C was pressed.
    static var pressed: Bool { lock.lock(); defer { lock.unlock() }; return _pressed }

    /// `options` that stop when Ctrl-C is pressed.
    static func watching(_ options: ExploreOptions) -> ExploreOptions {
        var o = options
        o.interruptRequested = { CtrlC.pressed }
        return o
    }
}
