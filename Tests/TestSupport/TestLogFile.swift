import Foundation
import Synchronization

/// A file every test process of the suite appends its JSON log lines to (`O_APPEND`: each
/// line is one write, so lines of processes writing at once do not interleave).
final class TestLogFile: Sendable {
    private let descriptor: Int32
    private let lock = Mutex(())

    init?(path: String) {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    @Sendable func append(_ line: String) {
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
            _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        }
    }
}
