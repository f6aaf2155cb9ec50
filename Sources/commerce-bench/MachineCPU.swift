import Foundation

/// Where this machine's CPU time has gone so far, read from Linux's `/proc`: this process,
/// PostgreSQL's processes, and every core's busy and idle time. The lag benchmark runs the whole
/// pipeline on one machine, so what one of its parts costs per event, and how busy the machine
/// was, tell whether a change made the pipeline cheaper when its latencies move with the load.
struct MachineCPU {
    /// Seconds of CPU (user + system).
    let thisProcess: Double
    /// Seconds of CPU of the processes named `postgres`, with what their ended children used
    /// (the server waits for each ended backend, so a connection closed meanwhile still counts).
    let postgreSQL: Double
    /// Seconds every core spent busy (anyone's work, the kernel's included) and idle.
    let busy: Double
    let idle: Double

    /// Nil where `/proc` cannot be read (not Linux).
    static func sample() -> MachineCPU? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let cpuLine = stat.split(separator: "\n").first, cpuLine.hasPrefix("cpu ") else { return nil }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        // user nice system idle iowait irq softirq steal …
        let ticks = cpuLine.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return nil }
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
        let idle = ticks[3] + ticks[4]
        var postgreSQL = 0.0
        for pid in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where pid.allSatisfy(\.isNumber) {
            // A process may end between the listing and the read: a backend's CPU then counts in
            // the server's figure for its ended children, so skipping it loses nothing.
            guard let line = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let open = line.firstIndex(of: "("), let close = line.lastIndex(of: ")"),
                  line[line.index(after: open)..<close] == "postgres" else { continue }
            // After the name: state, ppid, …; utime, stime, cutime and cstime are the 12th to 15th.
            let fields = line[line.index(after: close)...].split(separator: " ")
            guard fields.count > 14 else { continue }
            postgreSQL += fields[11...14].compactMap { Double($0) }.reduce(0, +)
        }
        return MachineCPU(
            thisProcess: CPUTime.ofThisProcess().seconds, postgreSQL: postgreSQL / ticksPerSecond,
            busy: busy / ticksPerSecond, idle: idle / ticksPerSecond
        )
    }

    /// What was used between `earlier` and this sample, per event of `events`, in one line.
    func summary(since earlier: MachineCPU, events: Int) -> String {
        let perEvent = { (seconds: Double) in String(format: "%.0f", seconds / Double(max(1, events)) * 1_000_000) }
        let ours = thisProcess - earlier.thisProcess
        let postgres = postgreSQL - earlier.postgreSQL
        let busySpent = busy - earlier.busy
        let idleSpent = idle - earlier.idle
        let busyShare = busySpent + idleSpent > 0 ? busySpent / (busySpent + idleSpent) * 100 : 0
        return "CPU µs per event appended in the window: this process \(perEvent(ours)) (appends, relay, projector), PostgreSQL \(perEvent(postgres)), "
            + "the rest \(perEvent(max(0, busySpent - ours - postgres))) (broker, kernel, others); all cores \(String(format: "%.0f", busyShare)) % busy"
    }
}
