import Foundation
import Logging

/// Ends this process when the one that started it is gone: a worker started by a test run or a
/// supervisor that crashed would otherwise keep running — and keep its load on the machine —
/// with no one left to stop it. Linux gives an orphan a new parent (init or a subreaper), so a
/// changed parent pid is the sign.
enum ParentWatch {
    /// Returns only when cancelled; ends the process (as abruptly as a SIGKILL, which every
    /// worker is built to survive) when its parent is not `parent`. The parent names itself
    /// (a child reading its parent's pid could read it after the parent was already gone).
    static func exitWhenOrphaned(of parent: pid_t, logger: Logger, checkEvery interval: Duration = .milliseconds(500)) async {
        while !Task.isCancelled {
            guard getppid() == parent else {
                logger.error("the process that started this one has exited: stopping", metadata: ["parent": "\(parent)"])
                _exit(3)
            }
            try? await Task.sleep(for: interval)
        }
    }
}
