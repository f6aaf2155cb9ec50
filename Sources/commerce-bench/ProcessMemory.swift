import Foundation

/// This process's resident memory from /proc/self/status: now (VmRSS) and at its peak (VmHWM),
/// in MiB. The HTTP benchmarks serve from this process, so it is the server's (with the load's
/// small set-up beside it).
struct ProcessMemory {
    let residentMiB: Double
    let peakResidentMiB: Double

    static func read() -> ProcessMemory? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        func kibibytes(_ field: String) -> Double? {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) }
        }
        guard let now = kibibytes("VmRSS"), let peak = kibibytes("VmHWM") else { return nil }
        return ProcessMemory(residentMiB: now / 1024, peakResidentMiB: peak / 1024)
    }

    var summary: String {
        String(format: "server resident memory: %.0f MiB now, %.0f MiB at the peak (target < 150 MB under load)", residentMiB, peakResidentMiB)
    }
}
